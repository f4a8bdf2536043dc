package dev.ocync.internal.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Builds the {@link SSLContext} for a registry: the system's CAs plus any extra PEM CA file,
 * an optional client certificate and PKCS#8 key for mutual TLS, or no verification at all.
 * Bad files fail with {@link IllegalArgumentException} naming the file.
 */
public final class TlsSupport {
  private TlsSupport() {}

  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  public static SSLContext sslContext(Optional<Path> caCertificate, Optional<Path> clientCertificate,
      Optional<Path> clientKey, boolean insecureSkipVerify) {
    try {
      TrustManager[] trust;
      if (insecureSkipVerify) {
        trust = new TrustManager[] {new TrustAll()};
      } else if (caCertificate.isPresent()) {
        List<X509Certificate> cas = certificates(caCertificate.get(), "CA certificate");
        trust = new TrustManager[] {new Combined(systemTrust(), trustFor(cas))};
      } else {
        trust = null; // the JDK's default trust
      }
      KeyManager[] keys = null;
      if (clientCertificate.isPresent() || clientKey.isPresent()) {
        Path certPath = clientCertificate.orElseThrow(() ->
            new IllegalArgumentException("a client key needs a client certificate"));
        Path keyPath = clientKey.orElseThrow(() ->
            new IllegalArgumentException("client certificate " + certPath + " needs a client key"));
        List<X509Certificate> chain = certificates(certPath, "client certificate");
        PrivateKey key = privateKey(keyPath);
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        char[] pw = new char[0];
        try {
          ks.setKeyEntry("client", key, pw, chain.toArray(new Certificate[0]));
        } catch (GeneralSecurityException e) {
          throw new IllegalArgumentException("client key " + keyPath + " does not match client certificate "
              + certPath + ": " + e.getMessage(), e);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        keys = kmf.getKeyManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  static List<X509Certificate> certificates(Path file, String what) {
    String pem = read(file, what);
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      Matcher m = PEM.matcher(pem);
      while (m.find()) {
        if (m.group(1).equals("CERTIFICATE")) {
          byte[] der = Base64.getMimeDecoder().decode(m.group(2));
          out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
        }
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " file " + file + " holds an unreadable certificate: "
          + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(what + " file " + file
          + " holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
    }
    return out;
  }

  static PrivateKey privateKey(Path file) {
    String pem = read(file, "client key");
    Matcher m = PEM.matcher(pem);
    while (m.find()) {
      String type = m.group(1);
      if (type.equals("PRIVATE KEY")) {
        byte[] der;
        try {
          der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("client key file " + file + " is not valid base64 PEM", e);
        }
        for (String alg : List.of("RSA", "EC", "Ed25519")) {
          try {
            return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
          } catch (GeneralSecurityException ignored) {
            // try the next algorithm
          }
        }
        throw new IllegalArgumentException("client key file " + file + " holds a PKCS#8 key that is not RSA or EC");
      }
      if (type.endsWith("PRIVATE KEY")) {
        throw new IllegalArgumentException("client key file " + file + " holds a " + type
            + "; convert it to unencrypted PKCS#8: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
      }
    }
    throw new IllegalArgumentException("client key file " + file
        + " holds no PEM private key (expected -----BEGIN PRIVATE KEY-----)");
  }

  private static String read(Path file, String what) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + what + " file " + file + ": " + e, e);
    }
  }

  private static X509ExtendedTrustManager systemTrust() throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    return x509(tmf);
  }

  private static X509ExtendedTrustManager trustFor(List<X509Certificate> cas) throws GeneralSecurityException, IOException {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    for (X509Certificate c : cas) {
      ks.setCertificateEntry("ca-" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    return x509(tmf);
  }

  private static X509ExtendedTrustManager x509(TrustManagerFactory tmf) {
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return x;
      }
    }
    throw new IllegalStateException("no X509ExtendedTrustManager available");
  }

  /** Trusts what the system trusts, and besides that what the extra CAs sign. */
  /*
   * The socket and engine variants must reach the delegates' own socket and engine variants: that
   * is where JSSE checks the certificate against the host name (endpoint identification). Going
   * through the two-argument variants would trust a certificate the extra CA issued for any host.
   */
  private static final class Combined extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager system;
    private final X509ExtendedTrustManager extra;

    Combined(X509ExtendedTrustManager system, X509ExtendedTrustManager extra) {
      this.system = system;
      this.extra = extra;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      try {
        system.checkServerTrusted(chain, authType);
      } catch (CertificateException e) {
        extra.checkServerTrusted(chain, authType);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      try {
        system.checkServerTrusted(chain, authType, socket);
      } catch (CertificateException e) {
        extra.checkServerTrusted(chain, authType, socket);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      try {
        system.checkServerTrusted(chain, authType, engine);
      } catch (CertificateException e) {
        extra.checkServerTrusted(chain, authType, engine);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      system.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      system.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      system.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      X509Certificate[] a = system.getAcceptedIssuers();
      X509Certificate[] b = extra.getAcceptedIssuers();
      X509Certificate[] out = new X509Certificate[a.length + b.length];
      System.arraycopy(a, 0, out, 0, a.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }
  }

  /** Accepts any server certificate: only for insecureSkipVerify. */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
