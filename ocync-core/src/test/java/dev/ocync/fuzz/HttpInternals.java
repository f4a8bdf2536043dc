package dev.ocync.fuzz;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.auth.Credentials;
import dev.ocync.internal.http.HttpSettings;
import dev.ocync.internal.http.ProxyRules;
import dev.ocync.spi.RegistryException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
 * Reaches the HTTP layer's parsers, which are package-private or private in
 * {@code dev.ocync.internal.http}, by reflection (tests run on the class path). If one is renamed
 * this fails loudly, naming it, rather than fuzzing nothing.
 */
final class HttpInternals {
  private static final String PKG = "dev.ocync.internal.http.";
  private static final URI TAGS = URI.create("http://127.0.0.1:5000/v2/fuzz/tags/list");

  private HttpInternals() {}

  /** {@code Challenge.parse(List<String>)}: WWW-Authenticate header values. */
  static List<?> challenges(List<String> headerValues) throws RegistryException {
    return (List<?>) call(method("Challenge", "parse", List.class), null, headerValues);
  }

  /** {@code ErrorResponses.describe(byte[], Optional<String>, Redactor)}: the text an error body adds to a message. */
  static String describeError(byte[] body, Optional<String> contentType) throws RegistryException {
    Class<?> redactor = type("Redactor");
    Object none;
    try {
      java.lang.reflect.Field f = redactor.getDeclaredField("NONE");
      f.setAccessible(true);
      none = f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("Redactor.NONE moved; update " + HttpInternals.class.getName(), e);
    }
    return (String) call(method("ErrorResponses", "describe", byte[].class, Optional.class, redactor), null, body,
        contentType, none);
  }

  /** {@code Authenticator.tokenFrom(Response, ...)}: a token service's answer with that status and body. */
  static Object token(int status, byte[] body) throws RegistryException {
    try {
      Class<?> transport = Class.forName(PKG + "Authenticator$Transport");
      Constructor<?> c = Class.forName(PKG + "Authenticator").getDeclaredConstructor(String.class, boolean.class,
          CredentialProvider.class, transport, Clock.class, HttpSettings.class);
      c.setAccessible(true);
      HttpSettings settings = new HttpSettings(HttpSettings.Scheme.HTTP, Optional.empty(), Optional.empty(),
          Optional.empty(), false, Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(60),
          4 * 1024 * 1024, "ocync-fuzz", ProxyRules.direct(), false, 10_000, 1_000_000, 4);
      Object auth = c.newInstance("127.0.0.1:5000", true, CredentialProvider.anonymous(), null, Clock.systemUTC(),
          settings);
      Method m = method("Authenticator", "tokenFrom", responseClass(), String.class, Optional.class);
      return call(m, auth, response(status, body, List.of()), "127.0.0.1:5001", Optional.<Credentials>empty());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the token parser moved; update " + HttpInternals.class.getName(), e);
    }
  }

  /** {@code HttpRepository.nextLink(Response, Context)}: the next page a tag list's Link headers name. */
  static Optional<URI> nextLink(List<String> linkHeaders) throws RegistryException {
    Method m = method("HttpRepository", "nextLink", responseClass(), RegistryException.Context.class);
    return Optional.ofNullable((URI) call(m, null, response(200, new byte[0], linkHeaders),
        RegistryException.Context.of("127.0.0.1:5000")));
  }

  private static Class<?> type(String name) {
    try {
      return Class.forName(PKG + name);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(PKG + name + " moved; update " + HttpInternals.class.getName(), e);
    }
  }

  private static Class<?> responseClass() {
    try {
      return Class.forName(PKG + "Response");
    } catch (ClassNotFoundException e) {
      throw new AssertionError("the HTTP response wrapper moved; update " + HttpInternals.class.getName(), e);
    }
  }

  private static Object response(int status, byte[] body, List<String> links) {
    BasicClassicHttpResponse raw = new BasicClassicHttpResponse(status);
    raw.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    for (String l : links) {
      raw.addHeader("Link", l);
    }
    try {
      Constructor<?> c = responseClass().getDeclaredConstructors()[0];
      c.setAccessible(true);
      return c.newInstance(new HttpGet(TAGS), raw, TAGS);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the HTTP response wrapper changed; update " + HttpInternals.class.getName(), e);
    }
  }

  private static Method method(String type, String name, Class<?>... params) {
    try {
      Method m = Class.forName(PKG + type).getDeclaredMethod(name, params);
      m.setAccessible(true);
      return m;
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(PKG + type + "." + name + " moved; update " + HttpInternals.class.getName(), e);
    }
  }

  /** Invokes, handing on what the parser itself threw. */
  private static Object call(Method m, Object target, Object... args) throws RegistryException {
    try {
      return m.invoke(target, args);
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    } catch (InvocationTargetException e) {
      Throwable t = e.getCause();
      if (t instanceof RegistryException r) {
        throw r;
      }
      if (t instanceof RuntimeException r) {
        throw r;
      }
      if (t instanceof Error err) {
        throw err;
      }
      throw new AssertionError(m.getName() + " threw an untyped checked exception", t);
    }
  }
}
