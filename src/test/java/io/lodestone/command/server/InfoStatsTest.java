package io.lodestone.command.server;

import io.lodestone.testsupport.EmbeddedExtension;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;

import static io.lodestone.testsupport.RespClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** INFO commandstats failed calls and INFO latencystats, as Redis 7.0 counts them. */
class InfoStatsTest {
    @RegisterExtension
    static final EmbeddedExtension SERVER = new EmbeddedExtension();

    private RespClient c;

    @BeforeEach
    void reset() throws IOException {
        c = SERVER.client();
        c.call("CONFIG", "RESETSTAT");
        c.call("CONFIG", "SET", "latency-tracking", "yes");
    }

    private String stat(String section, String field) throws IOException {
        return Info.field(text(c.call("INFO", section)), field);
    }

    @Test
    void aFailedCommandInsideExecFailsItselfNotTheExec() throws IOException {
        c.call("SET", "s", "x");
        c.call("MULTI");
        c.call("LPUSH", "s", "a");
        c.call("EXEC");
        assertTrue(stat("commandstats", "cmdstat_lpush").endsWith("rejected_calls=0,failed_calls=1"));
        assertTrue(stat("commandstats", "cmdstat_exec").endsWith("rejected_calls=0,failed_calls=0"));
        assertEquals("count=1", stat("errorstats", "errorstat_WRONGTYPE"));
    }

    @Test
    void latencyPercentilesPerCommandAndSubcommand() throws IOException {
        c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99.9");
        c.call("SET", "k", "v");
        c.call("CLIENT", "ID");
        assertTrue(stat("latencystats", "latency_percentiles_usec_set").matches("p50=\\d+\\.\\d{3},p99\\.9=\\d+\\.\\d{3}"));
        assertTrue(stat("latencystats", "latency_percentiles_usec_client|id").startsWith("p50="));
        c.call("CONFIG", "RESETSTAT");
        c.call("CONFIG", "SET", "latency-tracking", "no");
        c.call("SET", "k", "v");
        assertNull(stat("latencystats", "latency_percentiles_usec_set"));
    }
}
