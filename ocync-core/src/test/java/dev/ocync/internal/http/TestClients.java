package dev.ocync.internal.http;

import dev.ocync.Registry;
import java.time.Clock;

/** Registry clients for tests that reach into the client, with a Registry's public settings. */
final class TestClients {
  private TestClients() {}

  static RegistryClient of(Registry r) {
    return of(r, Clock.systemUTC());
  }

  static RegistryClient of(Registry r, Clock clock) {
    String h = r.host().startsWith("[") ? r.host().substring(0, r.host().indexOf(']') + 1)
        : r.host().split(":")[0];
    HttpSettings.Scheme scheme = r.plainHttp() ? HttpSettings.Scheme.HTTP
        : Loopback.isLoopback(h) ? HttpSettings.Scheme.HTTPS_THEN_HTTP : HttpSettings.Scheme.HTTPS;
    HttpSettings settings = new HttpSettings(scheme,
        r.caCertificate(), r.clientCertificate(), r.clientKey(), r.insecureSkipVerify(), r.connectTimeout(),
        r.readTimeout(), r.bodyTimeout(), r.maxManifestBytes(), r.userAgent(), ProxyRules.direct(), false,
        Registry.DEFAULT_MAX_TAG_PAGES, Registry.DEFAULT_MAX_TAGS, 32);
    return new RegistryClient(r.host(), r.host(), r.credentials(), settings, clock);
  }
}
