package dev.ocync.internal.http;

/**
 * Which host names are this machine, and which addresses are link-local or not public, by their
 * literal spelling or address bytes; nothing is resolved here.
 */
public final class Loopback {
  private static final java.util.regex.Pattern IPV6_LITERAL = java.util.regex.Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private Loopback() {}

  /**
   * Whether {@code host} (no port; IPv6 with or without brackets) is {@code localhost},
   * {@code 127.0.0.0/8} or {@code ::1}. Plain HTTP and credentials to a token service on such a
   * host never leave the machine.
   */
  public static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (h.indexOf(':') >= 0) {
      return isIpv6Loopback(h);
    }
    String[] octets = h.split("\\.", -1);
    if (octets.length != 4 || !octets[0].equals("127")) {
      return false;
    }
    for (String o : octets) {
      if (!o.matches("[0-9]{1,3}") || Integer.parseInt(o) > 255) {
        return false;
      }
    }
    return true;
  }

  /** Every spelling of {@code ::1} ({@code 0:0:0:0:0:0:0:1}, {@code ::0:1}, ...), parsed as a literal, never resolved. */
  private static boolean isIpv6Loopback(String h) {
    if (!IPV6_LITERAL.matcher(h).matches()) {
      return false;
    }
    try {
      // A bracketed IPv6 literal is parsed, not looked up.
      return java.net.InetAddress.getByName("[" + h + "]").isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /**
   * Whether {@code address} is link-local: {@code 169.254.0.0/16} (where cloud metadata services
   * answer) or {@code fe80::/10}, including IPv4-mapped IPv6 forms.
   */
  public static boolean isLinkLocal(java.net.InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length == 16 && isV4Mapped(a)) {
      return (a[12] & 0xff) == 169 && (a[13] & 0xff) == 254;
    }
    if (a.length == 4) {
      return (a[0] & 0xff) == 169 && (a[1] & 0xff) == 254;
    }
    return (a[0] & 0xff) == 0xfe && (a[1] & 0xc0) == 0x80;
  }

  /**
   * Whether {@code address} is not a public unicast address: loopback, unspecified ({@code 0.0.0.0/8},
   * {@code ::}), private ({@code 10/8}, {@code 172.16/12}, {@code 192.168/16}, {@code fc00::/7}),
   * link-local, CGNAT ({@code 100.64/10}) or multicast, including IPv4-mapped IPv6 forms. For
   * servers that fetch URLs chosen by their clients (the chart proxy), checked on each resolved
   * address so a public name pointing inward is refused too.
   */
  public static boolean isNonPublic(java.net.InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length == 16 && isV4Mapped(a)) {
      a = java.util.Arrays.copyOfRange(a, 12, 16);
    }
    if (a.length == 4) {
      int b0 = a[0] & 0xff;
      int b1 = a[1] & 0xff;
      return b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224
          || b0 == 169 && b1 == 254
          || b0 == 172 && (b1 & 0xf0) == 16
          || b0 == 192 && b1 == 168
          || b0 == 100 && (b1 & 0xc0) == 64;
    }
    boolean zeroPrefix = true;
    for (int i = 0; i < 15; i++) {
      zeroPrefix &= a[i] == 0;
    }
    return zeroPrefix && (a[15] == 0 || a[15] == 1) // :: and ::1
        || (a[0] & 0xfe) == 0xfc // fc00::/7
        || (a[0] & 0xff) == 0xff // multicast
        || isLinkLocal(address);
  }

  private static boolean isV4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
  }

  /** Whether {@code host} is an IP literal in a link-local range; names are not resolved (false). */
  public static boolean isLinkLocalLiteral(String host) {
    return ProxyRules.literalAddress(host).map(b -> {
      try {
        return isLinkLocal(java.net.InetAddress.getByAddress(b));
      } catch (java.net.UnknownHostException e) {
        return false;
      }
    }).orElse(false);
  }
}
