package io.lodestone.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.TlsFiles;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Lodestone server with TLS, driven by real redis-cli --tls and Java TLS clients: the TLS port,
 * mutual TLS (tls-auth-clients), a TLS-only server (port 0), certificate reload by CONFIG SET, the
 * cipher settings, and CONFIG SET's and start-up's errors compared with a real redis-server's.
 */
class TlsServerTest {
    private static TlsFiles tls;

    @BeforeAll
    static void certificates() throws Exception {
        Assumptions.assumeTrue(TlsFiles.opensslAvailable(), "openssl is needed to make test certificates");
        Assumptions.assumeTrue(!ServerProcess.targetIsRedis());
        tls = TlsFiles.create();
    }

    /** Lodestone with the TCP port ServerProcess gives it and a TLS port; the extra arguments win. */
    private static Server start(String... extra) throws IOException {
        int tlsPort = ServerProcess.freePort();
        List<String> args = new ArrayList<>(List.of("--tls-port", Integer.toString(tlsPort)));
        args.addAll(tls.serverArgs());
        args.addAll(List.of("--enable-debug-command", "yes"));
        args.addAll(List.of(extra));
        return new Server(ServerProcess.lodestone(args.toArray(String[]::new)), tlsPort);
    }

    private record Server(ServerProcess process, int tlsPort) implements AutoCloseable {
        @Override
        public void close() {
            process.close();
        }
    }

    private static String call(RespClient c, String... args) throws IOException {
        return RespClient.text(c.call(args));
    }

    @Test
    void redisCliOverTls() throws Exception {
        try (Server s = start()) {
            assertEquals("PONG", tls.cli(s.tlsPort, true, "PING"));
            assertEquals("OK", tls.cli(s.tlsPort, true, "SET", "greeting", "hello"));
            assertEquals("hello", tls.cli(s.tlsPort, true, "GET", "greeting"));
            // The same data on the TCP port, which still serves plain clients.
            try (RespClient plain = s.process.client()) {
                assertEquals("$5\r\nhello\r\n", call(plain, "GET", "greeting"));
            }
            // A plain client on the TLS port gets no reply: the connection is closed.
            try (RespClient plainOnTls = RespClient.connect(s.tlsPort)) {
                assertThrows(IOException.class, () -> plainOnTls.call("PING"));
            }
            assertTrue(s.process.logContains("Error accepting a client connection: "));
        }
    }

    @Test
    void mutualTlsRefusesClientsWithoutCertificate() throws Exception {
        try (Server s = start()) {
            // tls-auth-clients yes (the default): a certificate signed by the CA is required.
            assertNotEquals("PONG", tls.cli(s.tlsPort, false, "PING"));
            assertEquals("PONG", tls.cli(s.tlsPort, true, "PING"));
            SSLContext noCert = tls.clientContext(null);
            assertThrows(IOException.class, () -> {
                try (RespClient c = new RespClient(TlsFiles.connect(noCert, s.tlsPort), RespClient.DEFAULT_TIMEOUT)) {
                    c.call("PING");
                }
            });
            // A certificate from another CA is refused too.
            TlsFiles other = TlsFiles.create();
            SSLContext stranger = other.clientContext("client");
            assertThrows(IOException.class, () -> {
                try (RespClient c = new RespClient(TlsFiles.connect(stranger, s.tlsPort), RespClient.DEFAULT_TIMEOUT)) {
                    c.call("PING");
                }
            });

            assertEquals("OK", tls.cli(s.tlsPort, true, "CONFIG", "SET", "tls-auth-clients", "optional"));
            assertEquals("PONG", tls.cli(s.tlsPort, false, "PING"));
            assertEquals("PONG", tls.cli(s.tlsPort, true, "PING"));
            assertThrows(IOException.class, () -> {
                try (RespClient c = new RespClient(TlsFiles.connect(stranger, s.tlsPort), RespClient.DEFAULT_TIMEOUT)) {
                    c.call("PING"); // optional still checks a certificate that is presented
                }
            });

            assertEquals("OK", tls.cli(s.tlsPort, true, "CONFIG", "SET", "tls-auth-clients", "no"));
            assertEquals("PONG", tls.cli(s.tlsPort, false, "PING"));
            assertEquals("no", tls.cli(s.tlsPort, false, "CONFIG", "GET", "tls-auth-clients").split("\n")[1]);
        }
    }

    @Test
    void portZeroServesTlsOnly() throws Exception {
        try (Server s = start("--port", "0")) {
            assertTrue(s.process.logContains("Ready to accept connections"));
            assertTrue(s.process.logContains("Running mode=standalone, port=" + s.tlsPort + "."));
            assertEquals("PONG", tls.cli(s.tlsPort, true, "PING"));
            assertThrows(IOException.class, () -> new Socket("127.0.0.1", s.process.port()).close());
            // CONFIG SET port brings a TCP listener back, and tls-port 0 removes the TLS one.
            int tcp = ServerProcess.freePort();
            assertEquals("OK", tls.cli(s.tlsPort, true, "CONFIG", "SET", "port", Integer.toString(tcp)));
            try (RespClient plain = RespClient.connect(tcp)) {
                assertEquals("+OK\r\n", call(plain, "CONFIG", "SET", "tls-port", "0"));
                assertEquals("+PONG\r\n", call(plain, "PING"));
            }
            assertThrows(IOException.class, () -> new Socket("127.0.0.1", s.tlsPort).close());
        }
    }

    @Test
    void configSetOfACertificateServesNewConnections() throws Exception {
        tls.issue("renewed", "Renewed", "server_cert");
        try (Server s = start(); RespClient before = tls.client(s.tlsPort)) {
            assertTrue(tls.peerSubject(s.tlsPort).contains("CN=Server-only"), tls.peerSubject(s.tlsPort));
            assertEquals("+OK\r\n", call(before, "CONFIG", "SET", "tls-cert-file", tls.file("renewed.crt").toString(),
                    "tls-key-file", tls.file("renewed.key").toString()));
            assertTrue(tls.peerSubject(s.tlsPort).contains("CN=Renewed"), tls.peerSubject(s.tlsPort));
            assertEquals("+PONG\r\n", call(before, "PING")); // open connections keep their session

            // A certificate renewed in place: the same path set again is read again (VOLATILE_CONFIG).
            tls.issue("inplace", "In place", "server_cert");
            Files.copy(tls.file("inplace.crt"), tls.file("renewed.crt"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(tls.file("inplace.key"), tls.file("renewed.key"), StandardCopyOption.REPLACE_EXISTING);
            assertEquals("+OK\r\n", call(before, "CONFIG", "SET", "tls-cert-file", tls.file("renewed.crt").toString(),
                    "tls-key-file", tls.file("renewed.key").toString()));
            assertTrue(tls.peerSubject(s.tlsPort).contains("CN=In place"), tls.peerSubject(s.tlsPort));

            // A key that does not belong to the certificate is refused, and the old context stays.
            String err = call(before, "CONFIG", "SET", "tls-key-file", tls.file("client.key").toString());
            assertEquals("-ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - Unable to update TLS "
                    + "configuration. Check server logs.\r\n", err);
            assertTrue(s.process.logContains("key values mismatch"));
            assertTrue(tls.peerSubject(s.tlsPort).contains("CN=In place"));
        }
    }

    @Test
    void namedTls12SuitesAndServerPreference() throws Exception {
        try (Server s = start("--tls-protocols", "TLSv1.2", "--tls-ciphers", "AES128-SHA256:AES256-SHA256")) {
            SSLContext ctx = tls.clientContext("client");
            // The client's order wins by default (tls-prefer-server-ciphers no), as in Redis.
            assertEquals("TLS_RSA_WITH_AES_256_CBC_SHA256", negotiated(ctx, s.tlsPort,
                    "TLS_RSA_WITH_AES_256_CBC_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256"));
            assertEquals("OK", tls.cli(s.tlsPort, true, "CONFIG", "SET", "tls-prefer-server-ciphers", "yes"));
            assertEquals("TLS_RSA_WITH_AES_128_CBC_SHA256", negotiated(ctx, s.tlsPort,
                    "TLS_RSA_WITH_AES_256_CBC_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256"));
            // A suite outside tls-ciphers is refused.
            assertThrows(IOException.class, () -> negotiated(ctx, s.tlsPort, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        }
    }

    /** The suite a TLS 1.2 handshake offering only {@code suites}, in that order, settles on. */
    private static String negotiated(SSLContext ctx, int port, String... suites) throws IOException {
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setEnabledCipherSuites(suites);
            socket.startHandshake();
            try (RespClient c = new RespClient(socket, RespClient.DEFAULT_TIMEOUT)) {
                assertEquals("+PONG\r\n", call(c, "PING"));
            }
            return socket.getSession().getCipherSuite();
        }
    }

    @Test
    void configSetErrorsAreRedisOnes() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        tls.openssl("rsa", "-in", "server.key", "-aes256", "-passout", "pass:1234", "-out", "encrypted.key");
        int redisTls = ServerProcess.freePort();
        List<String> redisArgs = new ArrayList<>(List.of("--tls-port", Integer.toString(redisTls)));
        redisArgs.addAll(tls.serverArgs());
        try (Server s = start(); ServerProcess redis = ServerProcess.redis(redisArgs.toArray(String[]::new));
             RespClient l = s.process.client(); RespClient r = redis.client()) {
            String[][] sets = {
                    {"tls-cert-file", "/nonexistent/server.crt"},
                    {"tls-key-file", tls.file("encrypted.key").toString()},
                    {"tls-ca-cert-file", "/nonexistent/ca.crt"},
                    {"tls-ciphers", "foo"},
                    {"tls-ciphersuites", "foo"},
                    {"tls-protocols", "TLSv1.2  TLSv1.3"},
                    {"tls-protocols", "TLSv1.4"},
                    {"tls-dh-params-file", "/nonexistent/redis.dh"},
                    {"tls-dh-params-file", tls.file("ca.crt").toString()},
                    {"tls-auth-clients", "maybe"},
            };
            for (String[] set : sets) {
                assertEquals(call(r, "CONFIG", "SET", set[0], set[1]), call(l, "CONFIG", "SET", set[0], set[1]),
                        String.join(" ", set));
            }
            // A TLS port that is taken (each server's own TCP port).
            assertEquals(call(r, "CONFIG", "SET", "tls-port", Integer.toString(redis.port())),
                    call(l, "CONFIG", "SET", "tls-port", Integer.toString(s.process.port())));
            // With the password, the encrypted key loads.
            assertEquals(call(r, "CONFIG", "SET", "tls-key-file-pass", "1234", "tls-key-file",
                    tls.file("encrypted.key").toString()), call(l, "CONFIG", "SET", "tls-key-file-pass", "1234",
                    "tls-key-file", tls.file("encrypted.key").toString()));
            assertEquals("PONG", tls.cli(s.tlsPort, true, "PING"));
        }
        // A server without TLS: tls-port and tls-replication need a certificate first.
        try (ServerProcess lodestone = ServerProcess.lodestone(); ServerProcess redis = ServerProcess.redis();
             RespClient l = lodestone.client(); RespClient r = redis.client()) {
            String port = Integer.toString(ServerProcess.freePort());
            assertEquals(call(r, "CONFIG", "SET", "tls-port", port), call(l, "CONFIG", "SET", "tls-port", port));
            assertEquals(call(r, "CONFIG", "SET", "tls-replication", "yes"), call(l, "CONFIG", "SET", "tls-replication", "yes"));
            assertEquals(call(r, "CONFIG", "SET", "tls-cert-file", "/nonexistent"),
                    call(l, "CONFIG", "SET", "tls-cert-file", "/nonexistent")); // stored only: TLS is off
        }
    }

    @Test
    void startUpFailuresAsRedis() throws Exception {
        // tls-auth-clients yes (the default) without a CA cannot check clients: Redis refuses to start.
        IOException e = assertThrows(IOException.class, () -> ServerProcess.lodestone("--tls-port",
                Integer.toString(ServerProcess.freePort()), "--tls-cert-file", tls.file("server.crt").toString(),
                "--tls-key-file", tls.file("server.key").toString()));
        assertTrue(e.getMessage().contains("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
                + "tls-cluster, tls-replication or tls-auth-clients are enabled!"), e.getMessage());
        assertTrue(e.getMessage().contains("Failed to configure TLS. Check logs for more info."), e.getMessage());
        e = assertThrows(IOException.class, () -> ServerProcess.lodestone("--port", "0"));
        assertTrue(e.getMessage().contains("Configured to not listen anywhere, exiting."), e.getMessage());
    }
}
