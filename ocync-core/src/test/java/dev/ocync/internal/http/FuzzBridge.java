package dev.ocync.internal.http;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;

/**
 * The HTTP layer's parsers for the fuzz targets in {@code dev.ocync.fuzz}. It lives in the
 * parsers' package so a changed signature breaks the build instead of silently fuzzing nothing
 * (reflection did that once: a wrong argument count surfaced as an IllegalArgumentException,
 * which the targets accept as a refusal).
 */
public final class FuzzBridge {
  private static final String HOST = "127.0.0.1:5000";
  private static final URI TAGS = URI.create("http://" + HOST + "/v2/fuzz/tags/list");
  private static final HttpSettings SETTINGS = new HttpSettings(HttpSettings.Scheme.HTTP, Optional.empty(),
      Optional.empty(), Optional.empty(), false, Duration.ofSeconds(10), Duration.ofSeconds(20),
      Duration.ofSeconds(60), 4 * 1024 * 1024, "ocync-fuzz", ProxyRules.direct(), false, 10_000, 1_000_000, 4);
  private static final RegistryClient CLIENT = new RegistryClient(HOST, HOST, CredentialProvider.anonymous(),
      SETTINGS);

  private FuzzBridge() {}

  /** WWW-Authenticate header values, parsed. */
  public static List<?> challenges(List<String> headerValues) {
    return Challenge.parse(headerValues);
  }

  /** The text an error body adds to a message. */
  public static String describeError(byte[] body, Optional<String> contentType) {
    return ErrorResponses.describe(body, contentType, Redactor.NONE);
  }

  /** A token service's answer with that status and body, as the authenticator reads it. */
  public static Object token(int status, byte[] body) throws IOException {
    Authenticator auth = new Authenticator(HOST, true, CredentialProvider.anonymous(), null, Clock.systemUTC(),
        SETTINGS);
    return auth.tokenFrom(response(status, body, List.of()), "127.0.0.1:5001", Optional.empty());
  }

  /** The next page a tag list's Link headers name. */
  public static Optional<URI> nextLink(List<String> linkHeaders) throws RegistryException {
    return Optional.ofNullable(HttpRepository.nextLink(CLIENT, response(200, new byte[0], linkHeaders),
        RegistryException.Context.of(HOST)));
  }

  private static Response response(int status, byte[] body, List<String> links) {
    BasicClassicHttpResponse raw = new BasicClassicHttpResponse(status);
    raw.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    for (String l : links) {
      raw.addHeader("Link", l);
    }
    return new Response(new HttpGet(TAGS), raw, TAGS, Duration.ofSeconds(10));
  }
}
