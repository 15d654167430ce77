package io.lodestone.scripting.lib;

import party.iroiro.luajava.Lua;

/** The C libraries Redis 7.0 builds into its Lua, opened as globals the way Redis opens them. */
public final class Libraries {

    private Libraries() {
    }

    /** Opens {@code cjson}, {@code struct}, {@code cmsgpack} and {@code bit} (Redis's order). */
    public static void openAll(Lua L) {
        CJson.open(L);
        Struct.open(L);
        CMsgPack.open(L);
        Bit.open(L);
    }
}
