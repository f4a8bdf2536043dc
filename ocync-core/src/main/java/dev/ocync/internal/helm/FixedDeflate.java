package dev.ocync.internal.helm;

import java.io.ByteArrayOutputStream;

/**
 * A deflate encoder (RFC 1951) written here so that relocated charts compress to the same bytes
 * on every machine: zlib's output differs between implementations (zlib, zlib-ng, hardware
 * offload), and the JDK may use the system's. One block with the fixed Huffman codes, and greedy
 * LZ77 matching over a 32 KiB window with a bounded hash-chain search; every choice is a pure
 * function of the input.
 */
final class FixedDeflate {
  private static final int WINDOW = 32 * 1024;
  private static final int MIN_MATCH = 3;
  private static final int MAX_MATCH = 258;
  /** Candidates examined per position: bounds the work on repetitive input. */
  private static final int MAX_CHAIN = 64;
  private static final int HASH_BITS = 15;

  private static final int[] LENGTH_BASE = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
      67, 83, 99, 115, 131, 163, 195, 227, 258};
  private static final int[] LENGTH_EXTRA = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
      5, 5, 5, 5, 0};
  private static final int[] DIST_BASE = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513,
      769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
  private static final int[] DIST_EXTRA = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
      11, 11, 12, 12, 13, 13};

  private final ByteArrayOutputStream out;
  private long bits;
  private int count;

  private FixedDeflate(ByteArrayOutputStream out) {
    this.out = out;
  }

  /** Appends the raw deflate stream of {@code data} to {@code out}. */
  static void deflate(byte[] data, ByteArrayOutputStream out) {
    FixedDeflate d = new FixedDeflate(out);
    d.bits(1, 1); // BFINAL
    d.bits(1, 2); // BTYPE 01: fixed Huffman codes
    int[] head = new int[1 << HASH_BITS];
    java.util.Arrays.fill(head, -1);
    int[] prev = new int[WINDOW];
    int i = 0;
    while (i < data.length) {
      int bestLen = 0;
      int bestDist = 0;
      if (i + MIN_MATCH <= data.length) {
        int h = hash(data, i);
        int candidate = head[h];
        for (int chain = 0; candidate >= 0 && i - candidate <= WINDOW && chain < MAX_CHAIN; chain++) {
          int max = Math.min(MAX_MATCH, data.length - i);
          int len = 0;
          while (len < max && data[candidate + len] == data[i + len]) {
            len++;
          }
          if (len > bestLen) {
            bestLen = len;
            bestDist = i - candidate;
            if (len == max) {
              break;
            }
          }
          int next = prev[candidate & (WINDOW - 1)];
          candidate = next < candidate ? next : -1;
        }
      }
      int step = bestLen >= MIN_MATCH ? bestLen : 1;
      if (bestLen >= MIN_MATCH) {
        d.length(bestLen);
        d.distance(bestDist);
      } else {
        d.literal(data[i] & 0xff);
      }
      for (int k = 0; k < step; k++, i++) {
        if (i + MIN_MATCH <= data.length) {
          int h = hash(data, i);
          prev[i & (WINDOW - 1)] = head[h];
          head[h] = i;
        }
      }
    }
    d.literal(256); // end of block
    d.flush();
  }

  private static int hash(byte[] d, int i) {
    int v = (d[i] & 0xff) << 16 | (d[i + 1] & 0xff) << 8 | d[i + 2] & 0xff;
    return (v * 0x9E3779B1) >>> (32 - HASH_BITS);
  }

  /** A literal/length symbol with its fixed code (RFC 1951 3.2.6). */
  private void literal(int symbol) {
    if (symbol < 144) {
      code(0x30 + symbol, 8);
    } else if (symbol < 256) {
      code(0x190 + symbol - 144, 9);
    } else if (symbol < 280) {
      code(symbol - 256, 7);
    } else {
      code(0xC0 + symbol - 280, 8);
    }
  }

  private void length(int len) {
    int s = LENGTH_BASE.length - 1;
    while (LENGTH_BASE[s] > len) {
      s--;
    }
    literal(257 + s);
    bits(len - LENGTH_BASE[s], LENGTH_EXTRA[s]);
  }

  private void distance(int dist) {
    int s = DIST_BASE.length - 1;
    while (DIST_BASE[s] > dist) {
      s--;
    }
    code(s, 5);
    bits(dist - DIST_BASE[s], DIST_EXTRA[s]);
  }

  /** A Huffman code, which goes most significant bit first. */
  private void code(int code, int length) {
    bits(Integer.reverse(code) >>> (32 - length), length);
  }

  /** Plain bits, least significant first. */
  private void bits(int value, int n) {
    bits |= (long) value << count;
    count += n;
    while (count >= 8) {
      out.write((int) (bits & 0xff));
      bits >>>= 8;
      count -= 8;
    }
  }

  private void flush() {
    if (count > 0) {
      out.write((int) (bits & 0xff));
    }
    bits = 0;
    count = 0;
  }
}
