package io.lodestone.scripting.lib;

import party.iroiro.luajava.Lua;

/** TEMPORARY until the lua-libs branch merges. */
public final class Libraries {
    private Libraries() {
    }

    public static void openAll(Lua L) {
    }
}
