package dev.ocync.servetest;

import dev.ocync.OciLayout;
import dev.ocync.OciServer;
import dev.ocync.spi.Repository;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;

/**
 * Run by {@code OciServerModulePathIT} in a child JVM with ocync-core on the module path: starts a
 * server over an empty layout and prints what a client sees, or the error start() gave.
 */
public final class ModulePathChild {
  private ModulePathChild() {}

  public static void main(String[] args) throws Exception {
    System.out.println("named=" + OciServer.class.getModule().isNamed());
    try (Repository layout = OciLayout.directory(Files.createTempDirectory("ocync-modpath-"))) {
      try (OciServer server = OciServer.builder().repository("app", layout).build().start()) {
        HttpURLConnection c = (HttpURLConnection) new URL(server.url() + "/v2/").openConnection();
        System.out.println("status=" + c.getResponseCode() + " api=" + c.getHeaderField("Docker-Distribution-API-Version"));
      } catch (IllegalStateException e) {
        System.out.println("refused=" + e.getMessage());
      }
    }
  }
}
