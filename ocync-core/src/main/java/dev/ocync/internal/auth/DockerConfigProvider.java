package dev.ocync.internal.auth;

import dev.ocync.auth.CredentialProvider;
import java.nio.file.Path;

/** Docker config.json and podman auth.json. (Scaffold: implemented in the credentials work.) */
public final class DockerConfigProvider {
  private DockerConfigProvider() {}

  public static CredentialProvider fromEnvironment() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public static CredentialProvider fromFile(Path configJson) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public static CredentialProvider podmanFromEnvironment() {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
