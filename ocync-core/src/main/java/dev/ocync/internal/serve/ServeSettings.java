package dev.ocync.internal.serve;

import dev.ocync.OciServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** What {@link OciServer.Builder} collected; the server never holds the builder. */
public record ServeSettings(
    String host,
    int port,
    Map<String, OciServer.Route> routes,
    Optional<ClientAuth> auth,
    Optional<Tls> tls,
    int maxConcurrentOpens,
    Duration openWait,
    int maxThreads,
    int maxHeaderBytes,
    Duration idleTimeout,
    Duration stopTimeout,
    List<OciServer.AccessListener> accessListeners) {

  /** The distribution spec's repository name grammar. */
  static final Pattern NAME =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
  /** Many clients cap host plus name at 255 characters; a longer name is refused before any lookup. */
  static final int MAX_NAME = 255;

  /** PEM files for the listener. */
  public record Tls(Path certificateChain, Path privateKey) {}

  /** Whether {@code name} is a repository path by the distribution spec. */
  public static boolean isRepositoryName(String name) {
    return name.length() <= MAX_NAME && NAME.matcher(name).matches();
  }
}
