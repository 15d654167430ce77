package io.lodestone.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * PEM files as OpenSSL writes them, read without OpenSSL: certificate chains (the cert and CA files,
 * the files of a CA directory) and private keys in every form {@code openssl genrsa/genpkey/ecparam/
 * rsa} produces - PKCS#8 ({@code PRIVATE KEY}), encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY},
 * OpenSSL 3's {@code openssl rsa -aes256}), and the traditional {@code RSA PRIVATE KEY} and
 * {@code EC PRIVATE KEY}, also encrypted with a {@code DEK-Info} header (OpenSSL 1.1's). Netty's own
 * reader needs BouncyCastle for the traditional forms; reading them here keeps the key files that
 * work with redis-server working with Lodestone, with no extra dependency.
 */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);

    private PemFiles() {
    }

    /** Thrown with the text Redis's log shows after the file name (OpenSSL's reason, in our words). */
    static final class PemException extends Exception {
        PemException(String message) {
            super(message);
        }
    }

    /** The certificates of a PEM file, in file order (a leaf first, then its chain). */
    static List<X509Certificate> certificates(Path file) throws PemException {
        List<X509Certificate> out = new ArrayList<>();
        for (Block b : blocks(file)) {
            if (!b.label.equals("CERTIFICATE") && !b.label.equals("TRUSTED CERTIFICATE")) continue;
            out.add(certificate(b.der()));
        }
        if (out.isEmpty()) throw new PemException("no certificate found in the file");
        return out;
    }

    /**
     * Every certificate of the readable files of a directory ({@code tls-ca-cert-dir}): OpenSSL looks
     * files up there by subject hash ({@code c_rehash}); reading all of them trusts the same set.
     */
    static List<X509Certificate> directoryCertificates(Path dir) throws PemException {
        List<X509Certificate> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (!Files.isRegularFile(f)) continue;
                try {
                    out.addAll(certificates(f));
                } catch (PemException e) {
                    // Not a certificate file (a key, a CRL): OpenSSL never looks at it either.
                }
            }
        } catch (NoSuchFileException e) {
            throw new PemException("No such file or directory");
        } catch (IOException e) {
            throw new PemException(e.getMessage());
        }
        return out;
    }

    /** The private key of a PEM file; {@code password} decrypts an encrypted key (null: none given). */
    static PrivateKey privateKey(Path file, String password) throws PemException {
        for (Block b : blocks(file)) {
            switch (b.label) {
                case "PRIVATE KEY":
                    return pkcs8(b.der());
                case "ENCRYPTED PRIVATE KEY":
                    return pkcs8(decryptPkcs8(b.der(), password));
                case "RSA PRIVATE KEY":
                    return pkcs8(Der.pkcs8Rsa(b.decrypted(password)));
                case "EC PRIVATE KEY":
                    return pkcs8(Der.pkcs8Ec(b.decrypted(password)));
                default:
                    // EC PARAMETERS before an EC key, certificates in a combined file: skipped.
            }
        }
        throw new PemException("no private key found in the file");
    }

    private static X509Certificate certificate(byte[] der) throws PemException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new PemException("invalid certificate: " + e.getMessage());
        }
    }

    private static PrivateKey pkcs8(byte[] der) throws PemException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "DSA", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // The next algorithm: PKCS#8 names its algorithm, but KeyFactory wants to be told.
            }
        }
        throw new PemException("unsupported or invalid private key");
    }

    /** Encrypted PKCS#8 (PBES2 with AES or 3DES, or PBES1): the password is required. */
    private static byte[] decryptPkcs8(byte[] der, String password) throws PemException {
        if (password == null) throw new PemException("the key is encrypted and no password is configured");
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // PBES2's name is only its OID; its parameters name the real algorithm ("PBEWithHmacSHA256AndAES_256").
            String algorithm = info.getAlgName();
            if (algorithm.equals("PBES2") || algorithm.equals("1.2.840.113549.1.5.13")) {
                algorithm = info.getAlgParameters().toString();
            }
            SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())),
                    info.getAlgParameters());
            return info.getKeySpec(cipher).getEncoded();
        } catch (GeneralSecurityException | IOException e) {
            throw new PemException("bad decrypt (wrong tls-key-file-pass?)");
        }
    }

    private static List<Block> blocks(Path file) throws PemException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new PemException("No such file or directory");
        } catch (IOException e) {
            throw new PemException(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) out.add(new Block(m.group(1), m.group(2)));
        if (out.isEmpty()) throw new PemException("no PEM data found in the file");
        return out;
    }

    /** One {@code -----BEGIN label-----} block: optional RFC 1421 headers, then base64. */
    private record Block(String label, String body) {
        String header(String name) {
            for (String line : body.split("\\r?\\n")) {
                if (line.isEmpty()) break;
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        byte[] der() throws PemException {
            StringBuilder b64 = new StringBuilder();
            boolean headers = body.contains(":");
            for (String line : body.split("\\r?\\n")) {
                if (headers) {
                    if (line.isEmpty()) headers = false;
                    continue;
                }
                b64.append(line.trim());
            }
            try {
                return Base64.getDecoder().decode(b64.toString());
            } catch (IllegalArgumentException e) {
                throw new PemException("bad base64 decode");
            }
        }

        /** The DER of a traditional key, decrypted when {@code Proc-Type: 4,ENCRYPTED}. */
        byte[] decrypted(String password) throws PemException {
            String procType = header("Proc-Type");
            if (procType == null || !procType.contains("ENCRYPTED")) return der();
            if (password == null) throw new PemException("the key is encrypted and no password is configured");
            String dek = header("DEK-Info");
            if (dek == null || dek.indexOf(',') < 0) throw new PemException("missing DEK-Info header");
            String algorithm = dek.substring(0, dek.indexOf(',')).toUpperCase(Locale.ROOT);
            byte[] iv = HexFormat.of().parseHex(dek.substring(dek.indexOf(',') + 1));
            String transform;
            int keyLength;
            switch (algorithm) {
                case "AES-128-CBC" -> { transform = "AES/CBC/PKCS5Padding"; keyLength = 16; }
                case "AES-192-CBC" -> { transform = "AES/CBC/PKCS5Padding"; keyLength = 24; }
                case "AES-256-CBC" -> { transform = "AES/CBC/PKCS5Padding"; keyLength = 32; }
                case "DES-EDE3-CBC" -> { transform = "DESede/CBC/PKCS5Padding"; keyLength = 24; }
                default -> throw new PemException("unsupported cipher " + algorithm);
            }
            try {
                byte[] key = bytesToKey(password.getBytes(StandardCharsets.ISO_8859_1), iv, keyLength);
                Cipher c = Cipher.getInstance(transform);
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, transform.substring(0, transform.indexOf('/'))),
                        new IvParameterSpec(iv));
                return c.doFinal(der());
            } catch (GeneralSecurityException e) {
                throw new PemException("bad decrypt (wrong tls-key-file-pass?)");
            }
        }
    }

    /** OpenSSL's EVP_BytesToKey with MD5 and one iteration: the key of a traditional encrypted PEM. */
    private static byte[] bytesToKey(byte[] password, byte[] iv, int length) throws GeneralSecurityException {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        ByteArrayOutputStream key = new ByteArrayOutputStream();
        byte[] previous = new byte[0];
        while (key.size() < length) {
            md5.update(previous);
            md5.update(password);
            md5.update(iv, 0, 8);
            previous = md5.digest();
            key.write(previous, 0, previous.length);
        }
        byte[] out = new byte[length];
        System.arraycopy(key.toByteArray(), 0, out, 0, length);
        return out;
    }

    /** Just enough DER to wrap a traditional key into PKCS#8, which KeyFactory reads. */
    static final class Der {
        private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
        private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

        private Der() {
        }

        /** PKCS#1 RSAPrivateKey -> PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING pkcs1 }. */
        static byte[] pkcs8Rsa(byte[] pkcs1) {
            return tlv(0x30, concat(HexFormat.of().parseHex("020100"), RSA_ALGORITHM, tlv(0x04, pkcs1)));
        }

        /** SEC1 ECPrivateKey -> PrivateKeyInfo { version 0, { ecPublicKey, curve }, OCTET STRING sec1 }. */
        static byte[] pkcs8Ec(byte[] sec1) throws PemException {
            byte[] curve = ecCurveOid(sec1);
            return tlv(0x30, concat(HexFormat.of().parseHex("020100"), tlv(0x30, concat(EC_PUBLIC_KEY_OID, curve)),
                    tlv(0x04, sec1)));
        }

        /** The [0] parameters (a named curve's OID, with its tag) of an ECPrivateKey. */
        private static byte[] ecCurveOid(byte[] sec1) throws PemException {
            int[] pos = {0};
            if (sec1.length < 2 || sec1[0] != 0x30) throw new PemException("invalid EC private key");
            pos[0] = 1;
            int end = length(sec1, pos) + pos[0];
            while (pos[0] < end) {
                int tag = sec1[pos[0]++] & 0xff;
                int len = length(sec1, pos);
                if (tag == 0xa0) {
                    byte[] oid = new byte[len];
                    System.arraycopy(sec1, pos[0], oid, 0, len);
                    return oid;
                }
                pos[0] += len;
            }
            throw new PemException("EC private key without a named curve");
        }

        private static int length(byte[] d, int[] pos) throws PemException {
            if (pos[0] >= d.length) throw new PemException("invalid DER");
            int first = d[pos[0]++] & 0xff;
            if (first < 0x80) return first;
            int n = first & 0x7f, len = 0;
            for (int i = 0; i < n; i++) {
                if (pos[0] >= d.length) throw new PemException("invalid DER");
                len = (len << 8) | (d[pos[0]++] & 0xff);
            }
            return len;
        }

        private static byte[] tlv(int tag, byte[] value) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tag);
            int len = value.length;
            if (len < 0x80) {
                out.write(len);
            } else {
                int bytes = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
                out.write(0x80 | bytes);
                for (int i = bytes - 1; i >= 0; i--) out.write(len >>> (8 * i));
            }
            out.writeBytes(value);
            return out.toByteArray();
        }

        private static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : parts) out.writeBytes(p);
            return out.toByteArray();
        }
    }
}
