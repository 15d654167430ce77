/**
 * TLS, as Redis's tls.c: the server and client contexts built from the tls-* settings
 * ({@link io.lodestone.tls.Tls}), PEM certificates and keys read without OpenSSL
 * ({@link io.lodestone.tls.PemFiles}) and OpenSSL's cipher-list language evaluated for the JDK's
 * SSLEngine ({@link io.lodestone.tls.CipherList}). Depends on Netty's handler module and util only;
 * the server binds the settings (server/TlsBindings) and the replication link uses the client side.
 */
package io.lodestone.tls;
