package dev.ocync.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A content digest such as {@code sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b}.
 *
 * <p>{@code sha256} and {@code sha512} are supported; anything else is rejected because ocync could
 * not verify it. Instances are immutable and compare by value.
 *
 * <pre>{@code
 * Digest d = Digest.parse("sha256:6c3c...b3b");
 * Digest same = Digest.sha256(bytes);
 * }</pre>
 */
public final class Digest implements Comparable<Digest> {

  /** The digest algorithms ocync can verify. */
  public enum Algorithm {
    SHA256("sha256", "SHA-256", 64),
    SHA512("sha512", "SHA-512", 128);

    private final String id;
    private final String jcaName;
    private final int hexLength;

    Algorithm(String id, String jcaName, int hexLength) {
      this.id = id;
      this.jcaName = jcaName;
      this.hexLength = hexLength;
    }

    /** The name used in digest strings, for example {@code sha256}. */
    public String id() {
      return id;
    }

    /** Length of the lowercase hex encoding. */
    public int hexLength() {
      return hexLength;
    }

    /** A new JCA message digest for this algorithm. */
    public MessageDigest newMessageDigest() {
      try {
        return MessageDigest.getInstance(jcaName);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(jcaName + " is required by the Java platform", e);
      }
    }

    static Algorithm ofId(String id, String input) {
      for (Algorithm a : values()) {
        if (a.id.equals(id)) {
          return a;
        }
      }
      throw new IllegalArgumentException(
          "invalid digest \"" + input + "\": unsupported algorithm \"" + id + "\" (expected sha256 or sha512)");
    }
  }

  private static final Pattern HEX = Pattern.compile("[a-f0-9]+");

  private final Algorithm algorithm;
  private final String encoded;

  private Digest(Algorithm algorithm, String encoded) {
    this.algorithm = algorithm;
    this.encoded = encoded;
  }

  /**
   * Parses {@code algorithm:hex}.
   *
   * @throws IllegalArgumentException naming the input and the rule it broke
   */
  public static Digest parse(String value) {
    Objects.requireNonNull(value, "digest");
    int colon = value.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "invalid digest \"" + value + "\": expected <algorithm>:<hex>, for example sha256:<64 hex digits>");
    }
    Algorithm algorithm = Algorithm.ofId(value.substring(0, colon), value);
    String hex = value.substring(colon + 1);
    if (hex.length() != algorithm.hexLength) {
      throw new IllegalArgumentException(
          "invalid digest \"" + value + "\": " + algorithm.id + " needs " + algorithm.hexLength
              + " hex digits, got " + hex.length());
    }
    if (!HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "invalid digest \"" + value + "\": the encoded part must be lowercase hex [a-f0-9]");
    }
    return new Digest(algorithm, hex);
  }

  /** Whether {@code value} parses as a digest. */
  public static boolean isDigest(String value) {
    try {
      parse(value);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The sha256 digest of {@code content}. */
  public static Digest sha256(byte[] content) {
    return of(Algorithm.SHA256, content);
  }

  /** The digest of {@code content} with {@code algorithm}. */
  public static Digest of(Algorithm algorithm, byte[] content) {
    return new Digest(algorithm, HexFormat.of().formatHex(algorithm.newMessageDigest().digest(content)));
  }

  /** A streaming digester for this digest's algorithm, to check content against it. */
  public Digester newDigester() {
    return new Digester(algorithm);
  }

  /** The digest algorithm. */
  public Algorithm algorithm() {
    return algorithm;
  }

  /** The lowercase hex part. */
  public String encoded() {
    return encoded;
  }

  /** Whether {@code content} hashes to this digest. */
  public boolean matches(byte[] content) {
    return equals(of(algorithm, content));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && d.algorithm == algorithm && d.encoded.equals(encoded);
  }

  @Override
  public int hashCode() {
    return algorithm.hashCode() * 31 + encoded.hashCode();
  }

  @Override
  public int compareTo(Digest o) {
    return toString().compareTo(o.toString());
  }

  /** {@code algorithm:hex}. */
  @Override
  public String toString() {
    return algorithm.id + ":" + encoded;
  }

  /**
   * Hashes content as it streams by. Not thread-safe; one per stream.
   *
   * <pre>{@code
   * Digester d = Digest.newDigester(Digest.Algorithm.SHA256);
   * d.update(buffer, 0, n);
   * Digest result = d.digest();
   * }</pre>
   */
  public static final class Digester {
    private final Algorithm algorithm;
    private final MessageDigest md;
    private long size;

    private Digester(Algorithm algorithm) {
      this.algorithm = algorithm;
      this.md = algorithm.newMessageDigest();
    }

    /** Adds bytes to the hash. */
    public void update(byte[] buffer, int offset, int length) {
      md.update(buffer, offset, length);
      size += length;
    }

    /** Number of bytes hashed so far. */
    public long size() {
      return size;
    }

    /** Finishes the hash; the digester must not be used afterwards. */
    public Digest digest() {
      return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
    }
  }

  /** A streaming digester for {@code algorithm}. */
  public static Digester newDigester(Algorithm algorithm) {
    return new Digester(algorithm);
  }
}
