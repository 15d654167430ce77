package io.lodestone.command.server;

import io.lodestone.testsupport.EmbeddedExtension;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;

import static io.lodestone.testsupport.RespClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LATENCY: events over latency-monitor-threshold and the per-command histograms, in Redis's shapes. */
class LatencyCommandTest {
    @RegisterExtension
    static final EmbeddedExtension SERVER = new EmbeddedExtension();

    private RespClient c;

    @BeforeEach
    void client() {
        c = SERVER.client();
    }

    @Test
    void histogramPerCommandWithCumulativeCounts() throws IOException {
        c.call("CONFIG", "RESETSTAT");
        c.call("SET", "a", "b");
        c.call("SET", "c", "d");
        String h = text(c.call("LATENCY", "HISTOGRAM", "set", "nosuchcommand"));
        // One command: its name, then calls 2 and a map of usec buckets whose last count is 2.
        assertTrue(h.startsWith("*2\r\n$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:2\r\n$14\r\nhistogram_usec\r\n"), h);
        assertTrue(h.endsWith(":2\r\n"), h);
        assertEquals("*0", text(c.call("LATENCY", "HISTOGRAM", "nosuchcommand")).trim());
    }

    @Test
    void spikesOverTheThresholdAreEventsUntilReset() throws IOException {
        c.call("LATENCY", "RESET");
        assertTrue(text(c.call("LATENCY", "GRAPH", "command")).startsWith("-ERR No samples available for event 'command'"));
        c.call("CONFIG", "SET", "latency-monitor-threshold", "50");
        c.call("DEBUG", "SLEEP", "0.1");
        String latest = text(c.call("LATENCY", "LATEST"));
        assertTrue(latest.startsWith("*1\r\n*4\r\n$7\r\ncommand\r\n"), latest);
        assertTrue(text(c.call("LATENCY", "HISTORY", "command")).startsWith("*1\r\n*2\r\n"));
        assertTrue(text(c.call("LATENCY", "DOCTOR")).contains("1. command: 1 latency spikes"));
        assertTrue(text(c.call("LATENCY", "GRAPH", "command")).contains("command - high "));
        assertEquals(":0", text(c.call("LATENCY", "RESET", "nosuchevent")).trim());
        assertEquals(":1", text(c.call("LATENCY", "RESET")).trim());
        assertEquals("*0", text(c.call("LATENCY", "LATEST")).trim());
        c.call("CONFIG", "SET", "latency-monitor-threshold", "0");
    }

    /**
     * Redis samples each active expire cycle as "expire-cycle". Freeing one big key costs Lodestone
     * almost nothing (the collector reclaims it), so the cycle is made long by the number of keys:
     * two hundred thousand expiring at once take several cycles of their full time budget.
     */
    @Test
    void aSlowActiveExpireCycleIsAnEvent() throws IOException {
        c.call("FLUSHALL");
        c.call("LATENCY", "RESET");
        c.call("DEBUG", "POPULATE", "200000", "exp");
        c.call("EVAL", "for i = 0, 199999 do redis.call('pexpire', 'exp:' .. i, 1) end", "0");
        c.call("CONFIG", "SET", "latency-monitor-threshold", "1");
        try {
            Wait.until(Duration.ofSeconds(20), "the keys to expire",
                    () -> text(c.call("DBSIZE")).trim().equals(":0"));
            assertTrue(text(c.call("LATENCY", "LATEST")).contains("expire-cycle"));
        } finally {
            c.call("CONFIG", "SET", "latency-monitor-threshold", "0");
        }
    }
}
