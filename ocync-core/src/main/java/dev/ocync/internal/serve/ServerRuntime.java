package dev.ocync.internal.serve;

import java.io.Closeable;
import java.io.IOException;

/**
 * A running server. Jetty is an optional dependency: this class only checks that it is there and
 * loads {@link JettyServer}, the one class that names Jetty types, after the check.
 */
public interface ServerRuntime extends Closeable {

  /** The bound port. */
  int port();

  /** Starts a server for {@code settings}. */
  static ServerRuntime start(ServeSettings settings) throws IOException {
    Module self = ServerRuntime.class.getModule();
    boolean present;
    if (self.isNamed()) {
      // requires static: Jetty is read only if something put its module in the boot layer
      present = self.getLayer() != null && self.getLayer().findModule("org.eclipse.jetty.server").isPresent();
    } else {
      try {
        Class.forName("org.eclipse.jetty.server.Server", false, ServerRuntime.class.getClassLoader());
        present = true;
      } catch (ClassNotFoundException e) {
        present = false;
      }
    }
    if (!present) {
      throw new IllegalStateException("OciServer needs Jetty: add org.eclipse.jetty:jetty-server 12.1.x to the "
          + (self.isNamed() ? "module path and --add-modules org.eclipse.jetty.server" : "class path"));
    }
    return JettyServer.start(settings);
  }
}
