package dev.ocync.internal.serve;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Checks a password against a bcrypt hash ({@code $2a$}, {@code $2b$}, {@code $2y$}), the scheme
 * distribution's htpasswd files use. Blowfish's initial P-array and S-boxes are the hex digits of
 * pi, computed once here rather than typed in as 1042 constants.
 */
final class Bcrypt {
  /** Above this cost a single check takes seconds: refused when the file is read. */
  static final int MAX_COST = 16;

  private static final int[] PI_WORDS = piWords(18 + 4 * 256);
  private static final String ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final int[] MAGIC = words("OrpheanBeholderScryDoubt".getBytes(StandardCharsets.US_ASCII));

  private Bcrypt() {}

  /** Whether {@code hash} has the shape {@code $2?$NN$<53 chars>} with a cost this class accepts; names the problem otherwise. */
  static String problem(String hash) {
    if (hash.length() != 60 || hash.charAt(0) != '$' || hash.charAt(1) != '2' || "aby".indexOf(hash.charAt(2)) < 0
        || hash.charAt(3) != '$' || hash.charAt(6) != '$') {
      return "not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)";
    }
    int cost;
    try {
      cost = Integer.parseInt(hash.substring(4, 6));
    } catch (NumberFormatException e) {
      return "the bcrypt cost is not a number";
    }
    if (cost < 4 || cost > MAX_COST) {
      return "bcrypt cost " + cost + " is outside 4.." + MAX_COST;
    }
    for (int i = 7; i < 60; i++) {
      if (ALPHABET.indexOf(hash.charAt(i)) < 0) {
        return "the bcrypt salt or hash has a character outside its alphabet";
      }
    }
    return "";
  }

  /** Whether {@code password} hashes to {@code hash}, which {@link #problem} accepted. */
  static boolean matches(String password, String hash) {
    int cost = Integer.parseInt(hash.substring(4, 6));
    byte[] salt = decode(hash.substring(7, 29), 16);
    byte[] expected = decode(hash.substring(29), 23);
    byte[] pw = password.getBytes(StandardCharsets.UTF_8);
    byte[] key = Arrays.copyOf(pw, Math.min(pw.length + 1, 72)); // NUL-terminated, at most 72 bytes
    return MessageDigest.isEqual(Arrays.copyOf(raw(key, salt, cost), 23), expected);
  }

  private static byte[] raw(byte[] key, byte[] salt, int cost) {
    int[] p = Arrays.copyOfRange(PI_WORDS, 0, 18);
    int[] s = Arrays.copyOfRange(PI_WORDS, 18, PI_WORDS.length);
    expand(p, s, key, salt);
    long rounds = 1L << cost;
    for (long i = 0; i < rounds; i++) {
      expand(p, s, key, null);
      expand(p, s, salt, null);
    }
    int[] text = MAGIC.clone();
    for (int i = 0; i < 64; i++) {
      for (int j = 0; j < text.length; j += 2) {
        encipher(p, s, text, j);
      }
    }
    byte[] out = new byte[text.length * 4];
    for (int i = 0; i < text.length; i++) {
      out[4 * i] = (byte) (text[i] >>> 24);
      out[4 * i + 1] = (byte) (text[i] >>> 16);
      out[4 * i + 2] = (byte) (text[i] >>> 8);
      out[4 * i + 3] = (byte) text[i];
    }
    return out;
  }

  /** Blowfish's key schedule, with bcrypt's salt mixed in when {@code data} is given. */
  private static void expand(int[] p, int[] s, byte[] key, byte[] data) {
    int[] keyPos = {0};
    for (int i = 0; i < p.length; i++) {
      p[i] ^= streamWord(key, keyPos);
    }
    int[] lr = {0, 0};
    int[] dataPos = {0};
    for (int i = 0; i < p.length; i += 2) {
      mix(lr, data, dataPos);
      encipher(p, s, lr, 0);
      p[i] = lr[0];
      p[i + 1] = lr[1];
    }
    for (int i = 0; i < s.length; i += 2) {
      mix(lr, data, dataPos);
      encipher(p, s, lr, 0);
      s[i] = lr[0];
      s[i + 1] = lr[1];
    }
  }

  private static void mix(int[] lr, byte[] data, int[] pos) {
    if (data != null) {
      lr[0] ^= streamWord(data, pos);
      lr[1] ^= streamWord(data, pos);
    }
  }

  private static int streamWord(byte[] data, int[] pos) {
    int word = 0;
    for (int i = 0; i < 4; i++) {
      word = (word << 8) | (data[pos[0]] & 0xff);
      pos[0] = (pos[0] + 1) % data.length;
    }
    return word;
  }

  private static void encipher(int[] p, int[] s, int[] lr, int off) {
    int l = lr[off] ^ p[0];
    int r = lr[off + 1];
    for (int i = 1; i <= 16; i += 2) {
      r ^= f(s, l) ^ p[i];
      l ^= f(s, r) ^ p[i + 1];
    }
    lr[off] = r ^ p[17];
    lr[off + 1] = l;
  }

  private static int f(int[] s, int x) {
    return ((s[x >>> 24] + s[0x100 | ((x >>> 16) & 0xff)]) ^ s[0x200 | ((x >>> 8) & 0xff)]) + s[0x300 | (x & 0xff)];
  }

  private static int[] words(byte[] bytes) {
    int[] out = new int[bytes.length / 4];
    int[] pos = {0};
    for (int i = 0; i < out.length; i++) {
      out[i] = streamWord(bytes, pos);
    }
    return out;
  }

  /** bcrypt's base64 (its own alphabet, no padding), {@code length} bytes. */
  private static byte[] decode(String text, int length) {
    byte[] out = new byte[length];
    int bits = 0;
    int acc = 0;
    int n = 0;
    for (int i = 0; i < text.length() && n < length; i++) {
      acc = (acc << 6) | ALPHABET.indexOf(text.charAt(i));
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[n++] = (byte) (acc >>> bits);
      }
    }
    return out;
  }

  /** The first {@code count} 32-bit words of the fractional part of pi, by Machin's formula. */
  private static int[] piWords(int count) {
    int guard = 64;
    int bits = count * 32 + guard;
    BigInteger one = BigInteger.ONE.shiftLeft(bits);
    BigInteger pi = arctanInverse(5, one).shiftLeft(4).subtract(arctanInverse(239, one).shiftLeft(2));
    BigInteger fraction = pi.subtract(BigInteger.valueOf(3).shiftLeft(bits)).shiftRight(guard);
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = fraction.shiftRight(32 * (count - 1 - i)).intValue();
    }
    return out;
  }

  /** arctan(1/x) scaled by {@code one}. */
  private static BigInteger arctanInverse(int x, BigInteger one) {
    BigInteger xx = BigInteger.valueOf((long) x * x);
    BigInteger term = one.divide(BigInteger.valueOf(x));
    BigInteger sum = term;
    for (int k = 1; term.signum() != 0; k++) {
      term = term.divide(xx);
      BigInteger t = term.divide(BigInteger.valueOf(2L * k + 1));
      sum = (k % 2 == 1) ? sum.subtract(t) : sum.add(t);
    }
    return sum;
  }
}
