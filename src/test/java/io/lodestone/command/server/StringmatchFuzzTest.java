package io.lodestone.command.server;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** DEBUG STRINGMATCH-TEST's fuzzer: random patterns never throw (nesting, brackets, escapes at the end). */
class StringmatchFuzzTest {
    @Test
    void randomPatternsNeverThrow() {
        int matches = DebugCommand.stringmatchFuzz(200_000, new Random(7));
        assertTrue(matches > 0, "the empty pattern matches the empty string at least");
    }
}
