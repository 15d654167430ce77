package io.lodestone.scripting.lib;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;

/** What the library tests share: a {@link LuaOracle} (a redis-server and a Lua state) per test class. */
abstract class OracleTest {
    static LuaOracle oracle;

    @BeforeAll
    static void start() throws IOException {
        oracle = LuaOracle.start();
    }

    @AfterAll
    static void stop() throws IOException {
        oracle.close();
    }
}
