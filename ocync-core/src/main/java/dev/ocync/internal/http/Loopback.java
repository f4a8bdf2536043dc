package dev.ocync.internal.http;

/** Which host names are this machine, by their literal spelling; nothing is resolved. */
public final class Loopback {
  private Loopback() {}

  /**
   * Whether {@code host} (no port; IPv6 with or without brackets) is {@code localhost},
   * {@code 127.0.0.0/8} or {@code ::1}. Plain HTTP and credentials to a token service on such a
   * host never leave the machine.
   */
  public static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost") || h.equals("::1")) {
      return true;
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
}
