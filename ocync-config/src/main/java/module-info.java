/**
 * ocync's configuration file: YAML or JSON in the schema of the Rust tool ocync (plus local
 * layouts, archives, TLS and plain HTTP), validated strictly and turned into ocync-core objects.
 * Entry point: {@link dev.ocync.config.OcyncConfig}.
 */
module dev.ocync.config {
  requires transitive dev.ocync.core;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires org.yaml.snakeyaml;

  exports dev.ocync.config;

  uses dev.ocync.config.AuthTypeProvider;
}
