package dev.ocync.internal.http;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small HTTP proxy on loopback for tests: CONNECT tunnels and absolute-URI forwarding, both
 * always to 127.0.0.1 at the requested port (so any host name works without DNS), optionally
 * demanding {@code Proxy-Authorization}. Records each request line and whether it carried proxy
 * credentials.
 */
final class TestProxy implements Closeable {
  /** One request the proxy saw: its request line and its Proxy-Authorization value, if any. */
  record Seen(String requestLine, Optional<String> proxyAuthorization) {}

  private final ServerSocket server;
  private final Optional<String> requiredAuthorization;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  TestProxy(Optional<String> requiredAuthorization) throws IOException {
    this.requiredAuthorization = requiredAuthorization;
    this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    Thread t = new Thread(this::acceptLoop, "test-proxy");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  List<Seen> seen() {
    return List.copyOf(seen);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        open.add(s);
        Thread t = new Thread(() -> serve(s), "test-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      while (true) {
        List<String> head = readHead(in);
        if (head.isEmpty()) {
          return;
        }
        String line = head.get(0);
        Optional<String> auth = head.stream().skip(1)
            .filter(h -> h.toLowerCase(Locale.ROOT).startsWith("proxy-authorization:"))
            .map(h -> h.substring(h.indexOf(':') + 1).trim()).findFirst();
        seen.add(new Seen(line, auth));
        if (requiredAuthorization.isPresent() && !auth.equals(requiredAuthorization)) {
          out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
              + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
          continue;
        }
        String[] parts = line.split(" ");
        if (parts[0].equals("CONNECT")) {
          int port = Integer.parseInt(parts[1].substring(parts[1].lastIndexOf(':') + 1));
          Socket upstream = new Socket(InetAddress.getByName("127.0.0.1"), port);
          open.add(upstream);
          out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          pipe(upstream.getInputStream(), out);
          pipe(in, upstream.getOutputStream()).join();
          return;
        }
        URI target = URI.create(parts[1]);
        Socket upstream = new Socket(InetAddress.getByName("127.0.0.1"), target.getPort());
        open.add(upstream);
        StringBuilder req = new StringBuilder(parts[0] + " " + target.getRawPath()
            + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery()) + " " + parts[2] + "\r\n");
        for (String h : head.subList(1, head.size())) {
          if (!h.toLowerCase(Locale.ROOT).startsWith("proxy-")) {
            req.append(h).append("\r\n");
          }
        }
        req.append("Connection: close\r\n\r\n");
        upstream.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
        // one request per forwarded connection: the answer runs until the upstream closes
        Thread back = pipe(upstream.getInputStream(), out);
        pipe(in, upstream.getOutputStream());
        back.join();
        return;
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      // a test proxy: a broken connection just ends
    }
  }

  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String l = line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
        line.reset();
        if (l.isEmpty()) {
          return lines;
        }
        lines.add(l);
        if (lines.size() > 200) {
          return List.of();
        }
      } else {
        line.write(b);
      }
    }
    return List.of();
  }

  private static Thread pipe(InputStream from, OutputStream to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      int n;
      try {
        while ((n = from.read(buf)) != -1) {
          to.write(buf, 0, n);
          to.flush();
        }
      } catch (IOException e) {
        // closed
      }
    }, "test-proxy-pipe");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
