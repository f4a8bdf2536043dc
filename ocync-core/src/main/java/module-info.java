/**
 * ocync core: the OCI model ({@code dev.ocync.oci}), the repository SPI ({@code dev.ocync.spi}),
 * credential sources ({@code dev.ocync.auth}) and the public API ({@code dev.ocync}). Everything
 * under {@code dev.ocync.internal} is implementation and may change without notice.
 */
module dev.ocync.core {
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires org.yaml.snakeyaml;
  requires org.apache.httpcomponents.client5.httpclient5;
  requires org.apache.httpcomponents.core5.httpcore5;
  requires org.apache.commons.compress;
  requires org.slf4j;
  requires org.semver4j;
  // httpclient5 (an automatic module, which requires nothing by name) sets TCP keep-alive options
  // through jdk.net.Sockets; without this a named-module consumer fails on its first request
  requires jdk.net;
  // OciServer only: optional at run time, with a clear error when it is absent
  requires static org.eclipse.jetty.server;

  exports dev.ocync;
  exports dev.ocync.oci;
  exports dev.ocync.spi;
  exports dev.ocync.auth;
  // shared with the config module only, for its "did you mean" suggestions
  exports dev.ocync.internal.text to dev.ocync.config;
}
