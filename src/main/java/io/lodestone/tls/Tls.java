package io.lodestone.tls;

import io.lodestone.util.Log;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.internal.tcnative.SSL;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS as Redis's tls.c has it: one server context for accepted connections and one client context for
 * the connections this server makes (the link to its master), both built by {@link #configure} from
 * the tls-* settings and replaced whole, so CONFIG SET of a certificate takes effect for new
 * connections while open ones keep theirs. A failed {@link #configure} logs Redis's reason and leaves
 * the previous contexts in place.
 *
 * <p>{@code tls-auth-clients} and {@code tls-prefer-server-ciphers} are applied to each accepted
 * connection's engine, as Redis sets verification per SSL object at accept: a change of
 * tls-auth-clients needs no new context, exactly as in Redis where it has no apply function.
 */
public final class Tls {
    /** tls-auth-clients values, as ConfigRegistry's enum (TLS_CLIENT_AUTH_NO/YES/OPTIONAL). */
    public static final int AUTH_NO = 0;
    public static final int AUTH_YES = 1;
    public static final int AUTH_OPTIONAL = 2;

    /** Redis's redisTLSContextConfig: the settings a context is built from (null: unset). */
    public record Settings(String certFile, String keyFile, String keyFilePass, String clientCertFile,
                           String clientKeyFile, String clientKeyFilePass, String dhParamsFile, String caCertFile,
                           String caCertDir, String protocols, String ciphers, String ciphersuites,
                           boolean preferServerCiphers, boolean sessionCaching, long sessionCacheSize,
                           long sessionCacheTimeout) {
    }

    /** The contexts in use, replaced together. */
    private record Contexts(SslContext server, SslContext client, boolean preferServerCiphers) {
    }

    /** -Dlodestone.tls.provider=jdk|openssl forces a provider (bench/tls.sh, tests); null chooses. */
    private final SslProvider forced;
    private volatile Contexts contexts;
    /** tls-auth-clients, read at each accept. */
    public volatile int authClients = AUTH_YES;

    public Tls() {
        this(switch (String.valueOf(System.getProperty("lodestone.tls.provider")).toLowerCase(Locale.ROOT)) {
            case "jdk" -> SslProvider.JDK;
            case "openssl" -> SslProvider.OPENSSL;
            default -> null;
        });
    }

    Tls(SslProvider forced) {
        this.forced = forced;
    }

    /**
     * The engine of a new context. The JDK's SSLEngine spends 1.4-1.8x BoringSSL's CPU per request on
     * TLS (bench/tls.sh, docs/ARCHITECTURE.md), so BoringSSL (netty-tcnative) serves the default
     * suites. It lacks suites OpenSSL's DEFAULT has (DHE, the CBC-SHA256/384 ones) and its TLS 1.3
     * suites are fixed, so once tls-ciphers or tls-ciphersuites is set the JDK's engine serves, which
     * has every suite of OpenSSL's list: the strings then mean exactly what they mean to Redis. The
     * JDK also serves where tcnative has no native library for the platform.
     */
    private SslProvider provider(Settings s) {
        if (forced != null) return forced;
        if (!OpenSsl.isAvailable()) return SslProvider.JDK;
        if (s.ciphers() != null || s.ciphersuites() != null) {
            Log.verbose("TLS: tls-ciphers or tls-ciphersuites is set: using the JDK's TLS engine, which has OpenSSL's suites");
            return SslProvider.JDK;
        }
        return SslProvider.OPENSSL;
    }

    /** Whether a context was built (Redis's isTlsConfigured()). */
    public boolean isConfigured() {
        return contexts != null;
    }

    /**
     * Redis's tlsConfigure: builds new contexts from {@code s} and puts them in use, or logs why not
     * (Redis's words) and returns false, keeping the old ones. {@code caRequired}: tls-auth-clients is
     * not {@code no}, or tls-replication or tls-cluster is on, so peers' certificates must be checked.
     */
    public boolean configure(Settings s, boolean caRequired) {
        if (s.certFile() == null) return fail("No tls-cert-file configured!");
        if (s.keyFile() == null) return fail("No tls-key-file configured!");
        if (caRequired && s.caCertFile() == null && s.caCertDir() == null) {
            return fail("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
                    + "tls-replication or tls-auth-clients are enabled!");
        }
        List<String> protocols = protocols(s.protocols());
        if (protocols == null) {
            return fail("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
        }
        try {
            SslProvider provider = provider(s);
            KeyPair server = keyPair(s.certFile(), s.keyFile(), s.keyFilePass());
            TrustManagerFactory trust = trust(s.caCertFile(), s.caCertDir());
            List<String> ciphers = ciphers(s);
            checkDhParams(s.dhParamsFile());
            SslContext serverCtx = SslContextBuilder.forServer(server.key, server.chain)
                    .sslProvider(provider)
                    .protocols(protocols)
                    .ciphers(ciphers, SupportedCipherSuiteFilter.INSTANCE)
                    .clientAuth(ClientAuth.NONE) // per connection: see serverHandler
                    .trustManager(trust)
                    .sessionCacheSize(s.sessionCaching() ? s.sessionCacheSize() : 1)
                    .sessionTimeout(s.sessionCaching() ? s.sessionCacheTimeout() : 1)
                    .build();
            // OpenSSL can switch its session cache off; the JDK cannot, and gets the smallest cache
            // whose entries expire at once.
            if (!s.sessionCaching() && serverCtx.sessionContext() instanceof OpenSslSessionContext o) {
                o.setSessionCacheEnabled(false);
            }
            // The client context presents tls-client-cert-file, or else the server's own certificate
            // (Redis uses its server context for outgoing connections when no client cert is set).
            KeyPair client = s.clientCertFile() != null && s.clientKeyFile() != null
                    ? keyPair(s.clientCertFile(), s.clientKeyFile(), s.clientKeyFilePass()) : server;
            SslContext clientCtx = SslContextBuilder.forClient()
                    .sslProvider(provider)
                    .keyManager(client.key, client.chain)
                    .trustManager(trust)
                    .protocols(protocols)
                    .ciphers(ciphers, SupportedCipherSuiteFilter.INSTANCE)
                    .endpointIdentificationAlgorithm(null) // Redis checks the chain, not the host name
                    .build();
            contexts = new Contexts(serverCtx, clientCtx, s.preferServerCiphers());
            return true;
        } catch (ConfigureException e) {
            return fail(e.getMessage());
        } catch (Exception e) {
            return fail("Failed to configure TLS: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    /** The handler of an accepted connection, with tls-auth-clients applied to its engine. */
    public SslHandler serverHandler(ByteBufAllocator alloc) {
        Contexts c = contexts;
        SslHandler h = c.server.newHandler(alloc);
        SSLEngine engine = h.engine();
        SSLParameters p = engine.getSSLParameters();
        p.setUseCipherSuitesOrder(c.preferServerCiphers);
        switch (authClients) {
            case AUTH_NO -> p.setNeedClientAuth(false);
            case AUTH_OPTIONAL -> p.setWantClientAuth(true);
            default -> p.setNeedClientAuth(true);
        }
        engine.setSSLParameters(p);
        if (engine instanceof ReferenceCountedOpenSslEngine openssl) {
            // Netty's OpenSSL server context always prefers its own order; Redis's default is the client's.
            long ssl = openssl.sslPointer();
            if (c.preferServerCiphers) SSL.setOptions(ssl, SSL.SSL_OP_CIPHER_SERVER_PREFERENCE);
            else SSL.clearOptions(ssl, SSL.SSL_OP_CIPHER_SERVER_PREFERENCE);
        }
        return h;
    }

    /** The handler of a connection this server makes (Redis's connCreateTLS, client side). */
    public SslHandler clientHandler(ByteBufAllocator alloc, String host, int port) {
        return contexts.client.newHandler(alloc, host, port);
    }

    private static boolean fail(String message) {
        Log.warning(message);
        return false;
    }

    /** A message for the log, as Redis's goto error paths write it. */
    private static final class ConfigureException extends Exception {
        ConfigureException(String message) {
            super(message);
        }
    }

    private record KeyPair(PrivateKey key, X509Certificate[] chain) {
    }

    /** SSL_CTX_use_certificate_chain_file, then SSL_CTX_use_PrivateKey_file (which checks they match). */
    private static KeyPair keyPair(String certFile, String keyFile, String password) throws ConfigureException {
        List<X509Certificate> chain;
        try {
            chain = PemFiles.certificates(Path.of(certFile));
        } catch (PemFiles.PemException e) {
            throw new ConfigureException("Failed to load certificate: " + certFile + ": " + e.getMessage());
        }
        PrivateKey key;
        try {
            key = PemFiles.privateKey(Path.of(keyFile), password);
        } catch (PemFiles.PemException e) {
            throw new ConfigureException("Failed to load private key: " + keyFile + ": " + e.getMessage());
        }
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new ConfigureException("Failed to load private key: " + keyFile + ": key values mismatch");
        }
        return new KeyPair(key, chain.toArray(X509Certificate[]::new));
    }

    /** Whether the key signs what the certificate's public key verifies. */
    private static boolean matches(PrivateKey key, PublicKey pub) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) return true; // nothing to test with: the handshake will tell
        try {
            byte[] probe = "lodestone".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(pub);
            verify.update(probe);
            return verify.verify(signature);
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * SSL_CTX_load_verify_locations: the CA file and the CA directory's certificates. With neither,
     * nothing is trusted (an empty store, not the JDK's public CAs: Redis's store is empty too).
     */
    private static TrustManagerFactory trust(String caFile, String caDir) throws Exception {
        List<X509Certificate> cas = new ArrayList<>();
        try {
            if (caFile != null) cas.addAll(PemFiles.certificates(Path.of(caFile)));
            if (caDir != null) cas.addAll(PemFiles.directoryCertificates(Path.of(caDir)));
        } catch (PemFiles.PemException e) {
            throw new ConfigureException("Failed to configure CA certificate(s) file/directory: " + e.getMessage());
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        for (int i = 0; i < cas.size(); i++) store.setCertificateEntry("ca" + i, cas.get(i));
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        return f;
    }

    /** The suites to enable: tls-ciphersuites' (TLS 1.3) then tls-ciphers' (TLS 1.2 and older). */
    private static List<String> ciphers(Settings s) throws ConfigureException {
        List<String> tls12 = CipherList.tls12(s.ciphers());
        if (tls12.isEmpty()) throw new ConfigureException("Failed to configure ciphers: " + s.ciphers());
        List<String> tls13 = CipherList.tls13(s.ciphersuites());
        if (tls13 == null) throw new ConfigureException("Failed to configure ciphersuites: " + s.ciphersuites());
        Set<String> out = new LinkedHashSet<>(tls13);
        out.addAll(tls12);
        return List.copyOf(out);
    }

    /**
     * Redis's parseProtocolsConfig: names separated by single spaces, any case; unset means TLSv1.2 and
     * TLSv1.3. Null when a name is unknown (an empty name from a double space too, as sdssplitlen).
     */
    static List<String> protocols(String spec) {
        if (spec == null) return List.of("TLSv1.2", "TLSv1.3");
        Set<String> out = new LinkedHashSet<>();
        for (String token : spec.split(" ", -1)) {
            switch (token.toLowerCase(Locale.ROOT)) {
                case "tlsv1" -> out.add("TLSv1");
                case "tlsv1.1" -> out.add("TLSv1.1");
                case "tlsv1.2" -> out.add("TLSv1.2");
                case "tlsv1.3" -> out.add("TLSv1.3");
                default -> {
                    return null;
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * tls-dh-params-file is read and checked as Redis does (PEM_read_DHparams), so a wrong path fails
     * the same way. The JDK picks its DHE groups itself (RFC 7919's), so the parameters are not used.
     */
    private static void checkDhParams(String file) throws ConfigureException {
        if (file == null) return;
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new ConfigureException("Failed to load " + file + ": No such file or directory");
        } catch (Exception e) {
            throw new ConfigureException("Failed to load " + file + ": " + e.getMessage());
        }
        if (!text.contains("-----BEGIN DH PARAMETERS-----")) {
            throw new ConfigureException(file + ": failed to read DH params.");
        }
    }
}
