package dev.ocync.config;

import dev.ocync.auth.CredentialProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A test provider for {@code auth_type: gar}, found through ServiceLoader. */
public final class FakeEcrAuth implements AuthTypeProvider {
  static final List<String> CALLS = new ArrayList<>();

  @Override
  public String authType() {
    return "gar";
  }

  @Override
  public CredentialProvider create(String registryHost, Map<String, String> settings) {
    synchronized (CALLS) {
      CALLS.add(registryHost + " " + settings);
    }
    return CredentialProvider.basic(registryHost, "oauth2accesstoken", "t0ken");
  }
}
