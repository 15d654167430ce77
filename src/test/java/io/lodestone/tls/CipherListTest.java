package io.lodestone.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenSSL's cipher-list language, checked against what `openssl ciphers` answers for the same strings. */
class CipherListTest {
    @Test
    void defaultIsOpenSslsOrderWithoutDss() {
        List<String> d = CipherList.tls12(null);
        assertEquals(CipherList.tls12("DEFAULT"), d);
        assertEquals("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", d.get(0));
        assertEquals("TLS_RSA_WITH_AES_128_CBC_SHA", d.get(d.size() - 1));
        assertTrue(d.contains("TLS_RSA_WITH_AES_128_CBC_SHA256"));
        assertFalse(d.stream().anyMatch(s -> s.contains("_DSS_")), d.toString());
        assertTrue(CipherList.tls12("ALL").stream().anyMatch(s -> s.contains("_DSS_")));
    }

    @Test
    void theSuiteStringsOfRedisTests() {
        // tests/unit/tls.tcl: a server without AES128-SHA256, a client with only it or only AES256-SHA256.
        List<String> server = CipherList.tls12("DEFAULT:-AES128-SHA256");
        assertFalse(server.contains("TLS_RSA_WITH_AES_128_CBC_SHA256"));
        assertTrue(server.contains("TLS_RSA_WITH_AES_256_CBC_SHA256"));
        assertEquals(List.of("TLS_RSA_WITH_AES_128_CBC_SHA256"), CipherList.tls12("-ALL:AES128-SHA256"));
        assertEquals(List.of("TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256"),
                CipherList.tls12("AES128-SHA256:AES256-SHA256"));
    }

    @Test
    void operatorsAndAliases() {
        // "!" removes for good: a later add does not bring the suite back; "-" does not.
        assertEquals(List.of(), CipherList.tls12("!AES128-SHA:AES128-SHA"));
        assertEquals(List.of("TLS_RSA_WITH_AES_128_CBC_SHA"), CipherList.tls12("-AES128-SHA:AES128-SHA"));
        // "+" moves matching suites to the end; A+B is both.
        List<String> moved = CipherList.tls12("ECDHE-RSA-AES128-SHA:AES256-SHA:+ECDHE");
        assertEquals(List.of("TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), moved);
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                CipherList.tls12("ECDHE+aRSA+AESGCM"));
        // @STRENGTH sorts by key length, stable.
        assertEquals(List.of("TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"),
                CipherList.tls12("AES128-SHA AES256-SHA @STRENGTH"));
        assertTrue(CipherList.tls12("HIGH:!aNULL:!kRSA").stream().noneMatch(s -> s.startsWith("TLS_RSA_")));
        // Names OpenSSL knows but no JDK suite matches, and unknown words, select nothing.
        assertEquals(List.of(), CipherList.tls12("foo"));
        assertEquals(List.of(), CipherList.tls12("PSK:CAMELLIA:RC4"));
    }

    @Test
    void tls13Suites() {
        assertEquals(CipherList.TLS13_DEFAULT, CipherList.tls13(null));
        assertEquals(List.of("TLS_AES_128_GCM_SHA256"), CipherList.tls13("TLS_AES_128_GCM_SHA256:foo"));
        assertNull(CipherList.tls13("foo")); // Redis: "Failed to configure ciphersuites: foo"
        assertEquals(List.of(), CipherList.tls13("TLS_AES_128_CCM_SHA256")); // valid, but not in the JDK
    }

    @Test
    void protocols() {
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), Tls.protocols(null));
        assertEquals(List.of("TLSv1.2"), Tls.protocols("tlsv1.2"));
        assertNull(Tls.protocols("TLSv1.2  TLSv1.3")); // an empty name between two spaces
        assertNull(Tls.protocols("TLSv1.4"));
    }
}
