package dev.ocync.internal.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes known secrets from server text before it goes into a message or a log line: a registry
 * or token service may echo the request's {@code Authorization} header, a password or a token.
 * Each secret is removed as it is, URL-encoded and Base64-encoded, and so is the Base64 of
 * {@code user:secret} (the {@code Basic} form). Text is truncated after redaction, so a cut never
 * leaves half a secret behind.
 */
final class Redactor {
  static final Redactor NONE = new Redactor(List.of());
  static final String MASK = "****";
  /** Server text in messages is cut to this many characters. */
  static final int MAX_TEXT = 300;
  /** Secrets shorter than this are not searched for: masking "a" everywhere would destroy the text. */
  private static final int MIN_SECRET = 4;

  private final List<String> forms;

  private Redactor(List<String> forms) {
    this.forms = forms;
  }

  /** A redactor for these secrets; {@code basicPairs} are {@code user:secret} strings sent as Basic. */
  static Redactor of(Collection<String> secrets, Collection<String> basicPairs) {
    Set<String> forms = new LinkedHashSet<>();
    for (String s : secrets) {
      addForms(forms, s);
    }
    for (String pair : basicPairs) {
      addForms(forms, Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
      addForms(forms, Base64.getEncoder().withoutPadding().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }
    List<String> sorted = new ArrayList<>(forms);
    // longest first, so that a secret containing another is masked whole
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    return new Redactor(List.copyOf(sorted));
  }

  private static void addForms(Set<String> forms, String s) {
    if (s == null || s.length() < MIN_SECRET) {
      return;
    }
    forms.add(s);
    forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
    forms.add(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
    forms.add(Base64.getEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** This redactor and that one together. */
  Redactor and(Redactor other) {
    if (other.forms.isEmpty()) {
      return this;
    }
    if (forms.isEmpty()) {
      return other;
    }
    Set<String> all = new LinkedHashSet<>(forms);
    all.addAll(other.forms);
    List<String> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    return new Redactor(List.copyOf(sorted));
  }

  /** {@code text} without any known secret, control characters as spaces, untruncated. */
  String redact(String text) {
    String out = text;
    for (String f : forms) {
      if (out.contains(f)) {
        out = out.replace(f, MASK);
      }
    }
    return out;
  }

  /** {@code text} redacted, on one line, and cut to {@link #MAX_TEXT} characters. */
  String clean(String text) {
    String r = redact(text);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < r.length() && sb.length() < MAX_TEXT; i++) {
      char c = r.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? ' ' : c);
    }
    return r.length() > MAX_TEXT ? sb + "..." : sb.toString();
  }
}
