package io.lodestone.tls;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code tls-ciphers} and {@code tls-ciphersuites} as OpenSSL reads them, turned into the standard
 * (IANA) names an SSLEngine takes. Redis hands both strings to OpenSSL
 * ({@code SSL_CTX_set_cipher_list}, {@code SSL_CTX_set_ciphersuites}), so operators write OpenSSL's
 * cipher-list language: {@code DEFAULT:-AES128-SHA256}, {@code HIGH:!aNULL}, {@code ECDHE+AESGCM},
 * {@code -ALL:AES256-SHA256}. This evaluates that language (OpenSSL's ssl_cipher_process_rulestr:
 * add, {@code -} remove, {@code !} remove for good, {@code +} move to the end, {@code A+B} both,
 * {@code @STRENGTH}) over the TLS 1.2 suites the JDK implements, listed in OpenSSL 3's own order.
 * Suites the JDK lacks (PSK, SRP, CAMELLIA, ARIA, CCM) match nothing, as disabled ones do in OpenSSL.
 */
final class CipherList {
    /** One TLS 1.2 suite: OpenSSL's name, the standard name and the attributes OpenSSL's aliases test. */
    private record Suite(String openssl, String iana, String kx, String au, String enc, int bits, String mac,
                         String minProtocol) {
    }

    /** OpenSSL 3.0's order of {@code ALL} (openssl ciphers -stdname ALL), restricted to what the JDK has. */
    private static final List<Suite> SUITES = List.of(
            s("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE", "ECDSA", "AESGCM", 256, "AEAD", "TLSv1.2"),
            s("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE", "RSA", "AESGCM", 256, "AEAD", "TLSv1.2"),
            s("DHE-DSS-AES256-GCM-SHA384", "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", "DHE", "DSS", "AESGCM", 256, "AEAD", "TLSv1.2"),
            s("DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE", "RSA", "AESGCM", 256, "AEAD", "TLSv1.2"),
            s("ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE", "ECDSA", "CHACHA20", 256, "AEAD", "TLSv1.2"),
            s("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE", "RSA", "CHACHA20", 256, "AEAD", "TLSv1.2"),
            s("DHE-RSA-CHACHA20-POLY1305", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE", "RSA", "CHACHA20", 256, "AEAD", "TLSv1.2"),
            s("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE", "ECDSA", "AESGCM", 128, "AEAD", "TLSv1.2"),
            s("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE", "RSA", "AESGCM", 128, "AEAD", "TLSv1.2"),
            s("DHE-DSS-AES128-GCM-SHA256", "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "DHE", "DSS", "AESGCM", 128, "AEAD", "TLSv1.2"),
            s("DHE-RSA-AES128-GCM-SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE", "RSA", "AESGCM", 128, "AEAD", "TLSv1.2"),
            s("ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE", "ECDSA", "AES", 256, "SHA384", "TLSv1.2"),
            s("ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE", "RSA", "AES", 256, "SHA384", "TLSv1.2"),
            s("DHE-RSA-AES256-SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE", "RSA", "AES", 256, "SHA256", "TLSv1.2"),
            s("DHE-DSS-AES256-SHA256", "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "DHE", "DSS", "AES", 256, "SHA256", "TLSv1.2"),
            s("ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE", "ECDSA", "AES", 128, "SHA256", "TLSv1.2"),
            s("ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE", "RSA", "AES", 128, "SHA256", "TLSv1.2"),
            s("DHE-RSA-AES128-SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE", "RSA", "AES", 128, "SHA256", "TLSv1.2"),
            s("DHE-DSS-AES128-SHA256", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "DHE", "DSS", "AES", 128, "SHA256", "TLSv1.2"),
            s("ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE", "ECDSA", "AES", 256, "SHA1", "TLSv1"),
            s("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE", "RSA", "AES", 256, "SHA1", "TLSv1"),
            s("DHE-RSA-AES256-SHA", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE", "RSA", "AES", 256, "SHA1", "SSLv3"),
            s("DHE-DSS-AES256-SHA", "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "DHE", "DSS", "AES", 256, "SHA1", "SSLv3"),
            s("ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE", "ECDSA", "AES", 128, "SHA1", "TLSv1"),
            s("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE", "RSA", "AES", 128, "SHA1", "TLSv1"),
            s("DHE-RSA-AES128-SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE", "RSA", "AES", 128, "SHA1", "SSLv3"),
            s("DHE-DSS-AES128-SHA", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "DHE", "DSS", "AES", 128, "SHA1", "SSLv3"),
            s("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384", "RSA", "RSA", "AESGCM", 256, "AEAD", "TLSv1.2"),
            s("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256", "RSA", "RSA", "AESGCM", 128, "AEAD", "TLSv1.2"),
            s("AES256-SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256", "RSA", "RSA", "AES", 256, "SHA256", "TLSv1.2"),
            s("AES128-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256", "RSA", "RSA", "AES", 128, "SHA256", "TLSv1.2"),
            s("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", "RSA", "RSA", "AES", 256, "SHA1", "SSLv3"),
            s("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA", "RSA", "RSA", "AES", 128, "SHA1", "SSLv3"));

    /** TLS 1.3 suites, OpenSSL's default order (its TLS_DEFAULT_CIPHERSUITES). */
    static final List<String> TLS13_DEFAULT =
            List.of("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256");
    /** TLS 1.3 names OpenSSL knows but the JDK does not implement: accepted, left out. */
    private static final Set<String> TLS13_UNSUPPORTED = Set.of("TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256");

    private CipherList() {
    }

    private static Suite s(String openssl, String iana, String kx, String au, String enc, int bits, String mac,
                           String min) {
        return new Suite(openssl, iana, kx, au, enc, bits, mac, min);
    }

    /**
     * {@code tls-ciphers}: the standard names of the TLS 1.2 suites the OpenSSL cipher string
     * selects, in order; null (OpenSSL's default) gives {@code DEFAULT}. Empty when nothing matches,
     * which Redis refuses ("Failed to configure ciphers").
     */
    static List<String> tls12(String spec) {
        if (spec == null) spec = "DEFAULT";
        List<Suite> active = new ArrayList<>();
        Set<Suite> killed = new HashSet<>();
        for (String rule : spec.split("[:, ;]+")) {
            if (rule.isEmpty()) continue;
            if (rule.equalsIgnoreCase("@STRENGTH")) {
                active.sort(Comparator.comparingInt((Suite x) -> -x.bits));
                continue;
            }
            if (rule.startsWith("@")) continue; // @SECLEVEL=n: OpenSSL's key-size policy, the JDK has its own
            char op = rule.charAt(0);
            if (op == '!' || op == '-' || op == '+') rule = rule.substring(1);
            else op = ' ';
            Predicate<Suite> match = matcher(rule);
            switch (op) {
                case '!' -> {
                    for (Suite x : SUITES) if (match.test(x)) killed.add(x);
                    active.removeIf(match);
                }
                case '-' -> active.removeIf(match);
                case '+' -> {
                    List<Suite> moved = active.stream().filter(match).toList();
                    active.removeAll(moved);
                    active.addAll(moved);
                }
                default -> {
                    for (Suite x : SUITES) {
                        if (match.test(x) && !killed.contains(x) && !active.contains(x)) active.add(x);
                    }
                }
            }
        }
        return active.stream().map(Suite::iana).toList();
    }

    /**
     * {@code tls-ciphersuites}: TLS 1.3 suite names separated by colons, unknown names ignored as in
     * OpenSSL 3; null gives the default. Null when no name is known, which Redis refuses ("Failed to
     * configure ciphersuites"); the CCM suites are valid but the JDK lacks them, so they are left out.
     */
    static List<String> tls13(String spec) {
        if (spec == null) return TLS13_DEFAULT;
        Set<String> out = new LinkedHashSet<>();
        boolean anyKnown = false;
        for (String name : spec.split(":")) {
            String n = name.trim().toUpperCase(Locale.ROOT);
            if (TLS13_DEFAULT.contains(n)) out.add(n);
            anyKnown |= TLS13_DEFAULT.contains(n) || TLS13_UNSUPPORTED.contains(n);
        }
        return anyKnown ? List.copyOf(out) : null;
    }

    /** One rule's element list ({@code ECDHE+AESGCM}): a suite matches when every element does. */
    private static Predicate<Suite> matcher(String rule) {
        Predicate<Suite> all = x -> true;
        for (String element : rule.split("\\+")) {
            if (element.isEmpty()) continue;
            all = all.and(element(element));
        }
        return all;
    }

    private static Predicate<Suite> element(String e) {
        for (Suite x : SUITES) {
            if (x.openssl.equals(e) || x.iana.equals(e)) return y -> y == x;
        }
        return switch (e) {
            case "ALL", "HIGH" -> x -> true;
            // OpenSSL 3's DEFAULT is ALL:!COMPLEMENTOFDEFAULT:!eNULL, which leaves the DSS suites out.
            case "DEFAULT" -> x -> !x.au.equals("DSS");
            case "COMPLEMENTOFDEFAULT" -> x -> x.au.equals("DSS");
            case "kRSA", "RSA" -> x -> x.kx.equals("RSA");
            case "aRSA" -> x -> x.au.equals("RSA");
            case "kDHE", "kEDH", "DH", "DHE", "EDH" -> x -> x.kx.equals("DHE");
            case "kECDHE", "kEECDH", "ECDH", "ECDHE", "EECDH" -> x -> x.kx.equals("ECDHE");
            case "aECDSA", "ECDSA" -> x -> x.au.equals("ECDSA");
            case "aDSS", "DSS" -> x -> x.au.equals("DSS");
            case "AES" -> x -> x.enc.startsWith("AES");
            case "AES128" -> x -> x.enc.startsWith("AES") && x.bits == 128;
            case "AES256" -> x -> x.enc.startsWith("AES") && x.bits == 256;
            case "AESGCM" -> x -> x.enc.equals("AESGCM");
            case "CHACHA20" -> x -> x.enc.equals("CHACHA20");
            case "SHA1", "SHA" -> x -> x.mac.equals("SHA1");
            case "SHA256" -> x -> x.mac.equals("SHA256");
            case "SHA384" -> x -> x.mac.equals("SHA384");
            // OpenSSL compares a suite's minimum protocol version for equality.
            case "TLSv1.2" -> x -> x.minProtocol.equals("TLSv1.2");
            case "TLSv1", "TLSv1.0" -> x -> x.minProtocol.equals("TLSv1");
            case "SSLv3" -> x -> x.minProtocol.equals("SSLv3");
            // Every other alias (MEDIUM, LOW, eNULL, aNULL, RC4, 3DES, PSK, CAMELLIA...) and unknown names.
            default -> x -> false;
        };
    }
}
