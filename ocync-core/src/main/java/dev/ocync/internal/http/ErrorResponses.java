package dev.ocync.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.internal.json.Json;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Turns registry error responses ({@code {"errors":[{"code","message","detail"}]}}) into exceptions. */
final class ErrorResponses {
  private ErrorResponses() {}

  static final int MAX_ERROR_BODY = 64 * 1024;
  private static final int MAX_ERRORS = 5;
  private static final Set<String> NOT_FOUND_CODES = Set.of("MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "NAME_UNKNOWN");

  /** A parsed OCI error: the first error's code, and the messages of all of them. */
  record OciError(Optional<String> code, String message) {}

  static Optional<OciError> parse(byte[] body, Redactor redactor) {
    if (body.length == 0) {
      return Optional.empty();
    }
    try {
      JsonNode root = Json.read(body);
      JsonNode errors = root == null ? null : root.get("errors");
      if (errors == null || !errors.isArray() || errors.isEmpty()) {
        return Optional.empty();
      }
      Optional<String> code = Optional.empty();
      StringBuilder msg = new StringBuilder();
      int shown = 0;
      for (JsonNode e : errors) {
        if (shown++ == MAX_ERRORS) {
          msg.append("; ...");
          break;
        }
        String c = e.path("code").asText("");
        if (code.isEmpty() && !c.isEmpty()) {
          code = Optional.of(c);
        }
        String m = e.path("message").asText("");
        String d = detail(e.get("detail"));
        if (msg.length() > 0) {
          msg.append("; ");
        }
        msg.append(m.isEmpty() ? c : m);
        if (!d.isEmpty() && !d.equals(m)) {
          msg.append(": ").append(d);
        }
      }
      return Optional.of(new OciError(code.map(redactor::clean), redactor.clean(msg.toString())));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * A detail in words: distribution sends objects such as {@code {"Tag":"v9.9"}}, which read
   * better as "no tag v9.9" than as JSON; other objects become {@code key value} pairs.
   */
  private static String detail(JsonNode detail) {
    if (detail == null || detail.isNull() || detail.isMissingNode()) {
      return "";
    }
    if (detail.isValueNode()) {
      return detail.asText();
    }
    if (detail.isObject()) {
      List<String> parts = new ArrayList<>();
      detail.fields().forEachRemaining(f -> {
        String key = f.getKey().toLowerCase(Locale.ROOT);
        String value = f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString();
        switch (key) {
          case "tag" -> parts.add("no tag " + value);
          case "revision", "digest" -> parts.add("no manifest or blob " + value);
          case "name" -> parts.add("repository " + value);
          default -> parts.add(key + " " + value);
        }
      });
      return String.join(", ", parts);
    }
    return detail.toString();
  }

  /** ": <server message>" for a body, or "" when there is nothing useful in it; secrets removed. */
  static String describe(byte[] body, Optional<String> contentType, Redactor redactor) {
    Optional<OciError> e = parse(body, redactor);
    if (e.isPresent()) {
      return ": " + e.get().message();
    }
    if (body.length == 0) {
      return "";
    }
    String ct = contentType.orElse("");
    if (ct.startsWith("text/html")) {
      return "";
    }
    String text = new String(body, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
    return text.isEmpty() ? "" : ": " + redactor.clean(text);
  }

  /** {@code Retry-After}: delay-seconds or an HTTP date (RFC 9110); nothing if it is neither. */
  static Optional<Duration> retryAfter(String value, Instant now) {
    String v = value.trim();
    if (v.matches("[0-9]{1,9}")) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * The exception for an unexpected response: {@link NotFoundException} for 404 and the
   * *_UNKNOWN codes, {@link AuthenticationException} for 401/403, else {@link RegistryException}.
   * Reads (a bounded part of) the body.
   *
   * @param what what was being done, for example "fetching manifest"
   */
  static RegistryException toException(Response r, String what, Context context, Redactor redactor) {
    // a redirect target (a CDN, or whatever a hostile registry pointed at) is not the registry:
    // its body is not repeated, only who answered
    boolean elsewhere = r.redirectedTo().isPresent();
    byte[] body = r.method().equals("HEAD") || elsewhere ? new byte[0] : r.readSome(MAX_ERROR_BODY);
    Optional<OciError> err = parse(body, redactor);
    Context ctx = context.status(r.code());
    Optional<Duration> wait = r.header("Retry-After").flatMap(v -> retryAfter(v, Instant.now()));
    if (wait.isPresent()) {
      ctx = ctx.retryAfter(wait.get());
    }
    if (err.isPresent() && err.get().code().isPresent()) {
      ctx = ctx.errorCode(err.get().code().get());
    }
    String reason = elsewhere
        ? what + " failed: " + r.redirectedTo().get() + " (where the registry redirected to) answered HTTP " + r.code()
        : what + " failed" + describe(body, r.header("Content-Type"), redactor);
    boolean notFound = r.code() == 404
        || err.flatMap(OciError::code).filter(NOT_FOUND_CODES::contains).isPresent();
    if (r.code() == 401 || r.code() == 403) {
      return new AuthenticationException(reason, ctx);
    }
    if (notFound) {
      return new NotFoundException(reason, ctx);
    }
    return new RegistryException(reason, ctx);
  }
}
