package io.lodestone.command.stream;

import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which stream commands touch a WATCHed key, on redis-server 7.0 and Lodestone in lock step: in
 * Redis 7.0 only the entry writes (XADD, XDEL, XTRIM) do; consumer-group changes (XREADGROUP, XACK,
 * XCLAIM, XAUTOCLAIM, XGROUP) and XSETID do not, so a transaction watching the stream still runs.
 */
class StreamWatchDifferentialTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension();

    private static final String[][] WRITES = {
            {"XADD", "s", "9-0", "f", "v"}, {"XDEL", "s", "1-0"}, {"XTRIM", "s", "MAXLEN", "0"},
            {"XACK", "s", "g", "1-0"}, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
            {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"},
            {"XREADGROUP", "GROUP", "g", "n", "NOACK", "STREAMS", "s", ">"}, {"XCLAIM", "s", "g", "d", "0", "1-0"},
            {"XAUTOCLAIM", "s", "g", "e", "0", "0"}, {"XGROUP", "SETID", "s", "g", "0"},
            {"XGROUP", "CREATE", "s", "g2", "0"}, {"XGROUP", "CREATECONSUMER", "s", "g", "zz"},
            {"XGROUP", "DELCONSUMER", "s", "g", "c"}, {"XGROUP", "DESTROY", "s", "g"}, {"XSETID", "s", "99-0"}};

    @Test
    void onlyEntryWritesTouchAWatchedStream() {
        try (Twin.Conn writer = TWIN.twin().connect("writer"); Twin.Conn watcher = TWIN.twin().connect("watcher")) {
            for (String[] write : WRITES) {
                writer.call("FLUSHALL");
                writer.call("XADD", "s", "1-0", "f", "v");
                writer.call("XADD", "s", "2-0", "f", "v");
                writer.call("XGROUP", "CREATE", "s", "g", "0");
                writer.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">");
                watcher.call("WATCH", "s");
                writer.call((Object[]) write);
                watcher.call("MULTI");
                watcher.call("PING");
                watcher.call("EXEC");
            }
        }
        TWIN.twin().assertSame();
    }
}
