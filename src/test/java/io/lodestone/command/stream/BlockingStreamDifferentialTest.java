package io.lodestone.command.stream;

import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;

/**
 * Blocked XREAD and XREADGROUP readers on redis-server 7.0 and on Lodestone in lock step: the same
 * waits ended the same way give the same bytes - served by XADD (also several entries at once from
 * a transaction, past COUNT, or only tombstones), a stream deleted, replaced, flushed, swapped away
 * or renamed, a group destroyed, CLIENT UNBLOCK, RESP3.
 */
class BlockingStreamDifferentialTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension();
    private Twin.Conn admin;

    @BeforeEach
    void connect() {
        admin = TWIN.twin().connect("admin");
        admin.call("FLUSHALL");
    }

    @AfterEach
    void check() {
        admin.close();
        TWIN.twin().assertSame();
    }

    /** Waits until both servers hold n blocked clients. */
    private void awaitBlocked(int n) {
        for (RespClient c : new RespClient[]{admin.real, admin.mine}) {
            Wait.until(Duration.ofSeconds(10), n + " blocked clients",
                    () -> Info.number(RespClient.text(c.call("INFO", "clients")), "blocked_clients") == n);
        }
    }

    /** A new connection that sends {@code command} and is blocked by it (n blocked in all). */
    private Twin.Conn blocked(int n, String name, Object... command) {
        Twin.Conn c = TWIN.twin().connect(name);
        c.send(command);
        awaitBlocked(n);
        return c;
    }

    @Test
    void servedByXadd() {
        admin.call("XADD", "s", "1-0", "f", "old");
        admin.call("XGROUP", "CREATE", "s", "g", "$");
        try (Twin.Conn r1 = blocked(1, "xread", "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
             Twin.Conn r2 = blocked(2, "xread-count", "XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "other", "s", "0-0", "1-0");
             Twin.Conn g1 = blocked(3, "group-1", "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">");
             Twin.Conn g2 = blocked(4, "group-2", "XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "BLOCK", "0",
                     "NOACK", "STREAMS", "s", ">")) {
            admin.call("MULTI");
            admin.call("XADD", "s", "2-0", "f", "a");
            admin.call("XADD", "s", "3-0", "f", "b");
            admin.call("XADD", "s", "4-0", "f", "c");
            admin.call("EXEC");
            r1.read("XREAD served");
            r2.read("XREAD COUNT 2 served");
            g1.read("XREADGROUP served");
            g2.read("XREADGROUP NOACK COUNT 1, after alice took everything");
            admin.call("XADD", "s", "5-0", "f", "d");
            g2.read("XREADGROUP NOACK served by the next entry");
            awaitBlocked(0);
            admin.call("XINFO", "GROUPS", "s");
            admin.call("XPENDING", "s", "g");
        }
    }

    @Test
    void servedWithTombstonesOnly() {
        admin.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        try (Twin.Conn r = blocked(1, "xread", "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
             Twin.Conn g = blocked(2, "group", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")) {
            admin.call("MULTI");
            admin.call("XADD", "s", "1-0", "f", "v");
            admin.call("XDEL", "s", "1-0");
            admin.call("EXEC");
            r.read("XREAD served by a deleted entry");
            g.read("XREADGROUP served by a deleted entry");
            awaitBlocked(0);
        }
    }

    @Test
    void theStreamGoesAway() {
        String[][] endings = {{"DEL", "s"}, {"SET", "s", "x"}, {"FLUSHALL"}, {"FLUSHDB"}, {"UNLINK", "s"},
                {"RENAME", "s", "s2"}};
        for (String[] ending : endings) {
            admin.call("DEL", "s", "s2");
            admin.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
            try (Twin.Conn g = blocked(1, "group", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
                 Twin.Conn r = blocked(2, "xread", "XREAD", "BLOCK", "0", "STREAMS", "s", "$")) {
                admin.call((Object[]) ending);
                g.read("XREADGROUP after " + String.join(" ", ending));
                awaitBlocked(1);
                admin.call("DEL", "s");
                admin.call("XADD", "s", "9-0", "f", "v");
                r.read("XREAD after " + String.join(" ", ending) + " and a new stream");
                awaitBlocked(0);
            }
        }
    }

    @Test
    void swapdbAndRenameBringAnotherStream() {
        admin.call("SELECT", "9");
        admin.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        admin.call("SELECT", "0");
        admin.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        try (Twin.Conn g = blocked(1, "group", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")) {
            admin.call("SELECT", "9");
            admin.call("XADD", "s", "1-0", "f", "v");
            admin.call("SWAPDB", "0", "9");
            g.read("XREADGROUP after SWAPDB brought a stream with an entry");
        }
        admin.call("SELECT", "0");
        admin.call("XADD", "other", "1-0", "f", "v");
        admin.call("XREADGROUP", "GROUP", "nogroup", "c", "BLOCK", "0", "STREAMS", "s", ">");
        admin.call("XGROUP", "CREATE", "t", "g", "$", "MKSTREAM");
        try (Twin.Conn g = blocked(1, "group", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "t", ">")) {
            admin.call("RENAME", "other", "t");
            g.read("XREADGROUP after RENAME brought a stream without the group");
        }
    }

    @Test
    void destroyedGroupUnblockAndResp3() {
        admin.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        try (Twin.Conn g = blocked(1, "group", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")) {
            admin.call("XGROUP", "DESTROY", "s", "g");
            g.read("XREADGROUP after XGROUP DESTROY");
        }
        admin.call("XGROUP", "CREATE", "s", "g", "$");
        try (Twin.Conn g = TWIN.twin().connect("resp3")) {
            g.callUnchecked("HELLO", "3");
            g.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
            awaitBlocked(1);
            admin.call("XADD", "s", "1-0", "f", "v");
            g.read("XREADGROUP in RESP3 served");
            g.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
            awaitBlocked(1);
            String[] ids = admin.callUnchecked("CLIENT", "LIST");
            unblockAll(ids, "TIMEOUT");
            g.read("XREAD in RESP3 unblocked as a timeout");
        }
    }

    /** CLIENT UNBLOCK, on each server, of the client blocked in XREAD (its id differs by server). */
    private void unblockAll(String[] lists, String how) {
        RespClient[] servers = {admin.real, admin.mine};
        for (int i = 0; i < 2; i++) {
            for (String line : lists[i].split("\n")) {
                if (!line.contains("cmd=xread")) continue;
                String id = line.replaceAll("^.*?id=(\\d+) .*$", "$1").trim();
                try {
                    servers[i].call("CLIENT", "UNBLOCK", id, how);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }
}
