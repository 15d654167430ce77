package io.lodestone.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lodestone.testsupport.TlsFiles;
import java.nio.file.Files;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every key form openssl writes, read back and matched against its certificate. */
class PemFilesTest {
    private static TlsFiles files;

    @BeforeAll
    static void certificates() throws Exception {
        Assumptions.assumeTrue(TlsFiles.opensslAvailable(), "openssl is needed to make test certificates");
        files = TlsFiles.create();
    }

    private static RSAPublicKey serverPublicKey() throws Exception {
        return (RSAPublicKey) PemFiles.certificates(files.file("server.crt")).get(0).getPublicKey();
    }

    private static void assertServerKey(PrivateKey key) throws Exception {
        assertEquals(serverPublicKey().getModulus(), ((RSAPrivateCrtKey) key).getModulus());
    }

    @Test
    void pkcs8AndTraditionalRsa() throws Exception {
        assertTrue(Files.readString(files.file("server.key")).contains("BEGIN PRIVATE KEY"));
        assertServerKey(PemFiles.privateKey(files.file("server.key"), null));
        files.openssl("rsa", "-in", "server.key", "-traditional", "-out", "pkcs1.key");
        assertTrue(Files.readString(files.file("pkcs1.key")).contains("BEGIN RSA PRIVATE KEY"));
        assertServerKey(PemFiles.privateKey(files.file("pkcs1.key"), null));
    }

    @Test
    void encryptedKeysNeedTheirPassword() throws Exception {
        // OpenSSL 3's `openssl rsa -aes256` (tests/unit/tls.tcl): encrypted PKCS#8.
        files.openssl("rsa", "-in", "server.key", "-aes256", "-passout", "pass:1234", "-out", "enc8.key");
        assertServerKey(PemFiles.privateKey(files.file("enc8.key"), "1234"));
        assertThrows(PemFiles.PemException.class, () -> PemFiles.privateKey(files.file("enc8.key"), null));
        assertThrows(PemFiles.PemException.class, () -> PemFiles.privateKey(files.file("enc8.key"), "wrong"));
        // OpenSSL 1.1's form: Proc-Type and DEK-Info headers.
        files.openssl("rsa", "-in", "server.key", "-aes256", "-traditional", "-passout", "pass:1234", "-out", "enc1.key");
        assertTrue(Files.readString(files.file("enc1.key")).contains("DEK-Info: AES-256-CBC"));
        assertServerKey(PemFiles.privateKey(files.file("enc1.key"), "1234"));
        assertThrows(PemFiles.PemException.class, () -> PemFiles.privateKey(files.file("enc1.key"), "wrong"));
    }

    @Test
    void ecKeys() throws Exception {
        files.openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.key");
        assertTrue(Files.readString(files.file("ec.key")).contains("BEGIN EC PRIVATE KEY"));
        assertEquals("EC", PemFiles.privateKey(files.file("ec.key"), null).getAlgorithm());
    }

    @Test
    void missingAndWrongFiles() throws Exception {
        PemFiles.PemException e = assertThrows(PemFiles.PemException.class,
                () -> PemFiles.certificates(files.file("nonexistent.crt")));
        assertEquals("No such file or directory", e.getMessage());
        assertThrows(PemFiles.PemException.class, () -> PemFiles.certificates(files.file("server.key")));
        assertThrows(PemFiles.PemException.class, () -> PemFiles.privateKey(files.file("server.crt"), null));
        // A CA directory: the certificate files count, keys and other files are passed over.
        long cas = PemFiles.directoryCertificates(files.dir()).stream()
                .filter(c -> c.getSubjectX500Principal().getName().contains("Certificate Authority")).count();
        assertEquals(1, cas);
    }
}
