package dev.ocync.internal.serve;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** The listener's TLS context from a PEM certificate chain and a PKCS#8 PEM key. */
final class Pem {
  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final long MAX_FILE = 1 << 20;

  private Pem() {}

  static SSLContext serverContext(ServeSettings.Tls tls) throws IOException {
    List<Certificate> chain = new ArrayList<>();
    PrivateKey key = null;
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (String[] block : blocks(tls.certificateChain())) {
        if (block[0].equals("CERTIFICATE")) {
          chain.add(cf.generateCertificate(new ByteArrayInputStream(Base64.getMimeDecoder().decode(block[1]))));
        }
      }
      for (String[] block : blocks(tls.privateKey())) {
        if (block[0].equals("PRIVATE KEY")) {
          key = pkcs8(Base64.getMimeDecoder().decode(block[1]));
        }
      }
      if (chain.isEmpty()) {
        throw new IOException("TLS certificate file " + tls.certificateChain() + " holds no PEM CERTIFICATE block");
      }
      if (key == null) {
        throw new IOException("TLS key file " + tls.privateKey()
            + " holds no PKCS#8 PEM key (expected -----BEGIN PRIVATE KEY-----; convert with openssl pkcs8 -topk8 -nocrypt)");
      }
      char[] pass = new char[0];
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("server", key, pass, chain.toArray(new Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pass);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException("cannot use TLS files " + tls.certificateChain() + " and " + tls.privateKey() + ": "
          + e.getMessage(), e);
    }
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    GeneralSecurityException last = null;
    for (String alg : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw last;
  }

  private static List<String[]> blocks(java.nio.file.Path file) throws IOException {
    if (Files.size(file) > MAX_FILE) {
      throw new IOException("TLS file " + file + " is larger than " + MAX_FILE + " bytes");
    }
    Matcher m = BLOCK.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    List<String[]> out = new ArrayList<>();
    while (m.find()) {
      out.add(new String[] {m.group(1), m.group(2)});
    }
    return out;
  }
}
