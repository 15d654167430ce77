package io.lodestone.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * Certificates for TLS tests, made per test class in a scratch folder with {@code openssl} (as
 * Redis's utils/gen-test-certs.sh makes them): a CA, a server certificate ({@code server.*}), a client
 * certificate ({@code client.*}), and more on demand ({@link #issue}). Also the clients' side: the
 * redis-cli options, a Java SSLContext trusting the CA (with or without the client certificate), a
 * raw {@link RespClient} and a Jedis over TLS.
 */
public final class TlsFiles {
    private static final String PASSWORD = "lodestone";
    private final Path dir;

    private TlsFiles(Path dir) {
        this.dir = dir;
    }

    /** True when {@code openssl} can be run (scripts/test.sh installs it). */
    public static boolean opensslAvailable() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A new CA with a server and a client certificate (RSA 2048, as Redis's test certificates). */
    public static TlsFiles create() throws IOException {
        TlsFiles t = new TlsFiles(TempDirs.create("lodestone-tls-"));
        t.openssl("genrsa", "-out", "ca.key", "2048");
        t.openssl("req", "-x509", "-new", "-nodes", "-sha256", "-key", "ca.key", "-days", "3",
                "-subj", "/O=Lodestone Test/CN=Certificate Authority", "-out", "ca.crt");
        Files.writeString(t.dir.resolve("openssl.cnf"), """
                [ server_cert ]
                keyUsage = digitalSignature, keyEncipherment
                nsCertType = server

                [ client_cert ]
                keyUsage = digitalSignature, keyEncipherment
                nsCertType = client
                """);
        t.issue("server", "Server-only", "server_cert");
        t.issue("client", "Client-only", "client_cert");
        return t;
    }

    /**
     * Makes {@code name.key} and {@code name.crt} signed by the CA, with common name {@code cn} and the
     * openssl.cnf section {@code extensions} (null: none, a certificate for any use).
     */
    public void issue(String name, String cn, String extensions) throws IOException {
        openssl("genrsa", "-out", name + ".key", "2048");
        openssl("req", "-new", "-sha256", "-subj", "/O=Lodestone Test/CN=" + cn, "-key", name + ".key",
                "-out", name + ".csr");
        List<String> x509 = new ArrayList<>(List.of("x509", "-req", "-sha256", "-in", name + ".csr", "-CA", "ca.crt",
                "-CAkey", "ca.key", "-CAcreateserial", "-days", "3", "-out", name + ".crt"));
        if (extensions != null) x509.addAll(List.of("-extfile", "openssl.cnf", "-extensions", extensions));
        openssl(x509.toArray(String[]::new));
    }

    /** Runs openssl in the folder; fails with its output when it fails. */
    public void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    /** A server's TLS settings with the server certificate and the CA (clients must present one). */
    public List<String> serverArgs() {
        return List.of("--tls-cert-file", file("server.crt").toString(), "--tls-key-file", file("server.key").toString(),
                "--tls-ca-cert-file", file("ca.crt").toString());
    }

    /** redis-cli's TLS options, with or without the client certificate. */
    public List<String> cliArgs(boolean withCert) {
        List<String> args = new ArrayList<>(List.of("--tls", "--cacert", file("ca.crt").toString()));
        if (withCert) args.addAll(List.of("--cert", file("client.crt").toString(), "--key", file("client.key").toString()));
        return args;
    }

    /** A client context trusting the CA, presenting {@code name}'s certificate (null: none). */
    public SSLContext clientContext(String name) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(file("ca.crt"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (name != null) {
            openssl("pkcs12", "-export", "-in", name + ".crt", "-inkey", name + ".key", "-out", name + ".p12",
                    "-passout", "pass:" + PASSWORD);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file(name + ".p12"))) {
                keys.load(in, PASSWORD.toCharArray());
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD.toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** A TLS socket to 127.0.0.1:port, handshake done (throws if the server refuses it). */
    public static SSLSocket connect(SSLContext ctx, int port) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout((int) RespClient.DEFAULT_TIMEOUT.toMillis());
        s.startHandshake();
        return s;
    }

    /** A raw RESP client over TLS with the client certificate. */
    public RespClient client(int port) throws Exception {
        return new RespClient(connect(clientContext("client"), port), RespClient.DEFAULT_TIMEOUT);
    }

    /** Jedis over TLS with the client certificate (no host name check, as redis-cli). */
    public Jedis jedis(int port) throws Exception {
        return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
                .ssl(true).sslSocketFactory(clientContext("client").getSocketFactory())
                .socketTimeoutMillis((int) Duration.ofSeconds(10).toMillis()).build());
    }

    /** The subject of the certificate a server on {@code port} presents. */
    public String peerSubject(int port) throws Exception {
        try (SSLSocket s = connect(clientContext("client"), port)) {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    /** Runs redis-cli with the TLS options (with the client certificate or not); returns its output. */
    public String cli(int port, boolean withCert, String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        args.addAll(cliArgs(withCert));
        args.addAll(List.of(command));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("redis-cli did not finish: " + out);
        }
        return out.trim();
    }
}
