/**
 * The C libraries Redis 7.0 builds into its Lua, written in Java on luajava's Lua 5.1 VM, each as
 * redis-server 7.0.15 behaves (texts, number formats, limits): a script sees the same globals and
 * gets the same bytes back.
 *
 * <pre>
 * Libraries     openAll: the four globals, in Redis's order
 * CJson         cjson (Lua CJSON 2.1.0 + Redis's changes): module table, configuration, encoder
 * CJsonDecoder  cjson.decode: tokenizer and parser with cjson's error texts and positions
 * CMsgPack      cmsgpack (lua-cmsgpack 0.4.0): pack, unpack, unpack_one, unpack_limit
 * Bit           bit (LuaBitOp 1.0.2): 32-bit operations on Lua numbers
 * Struct        struct (Roberto's struct, with Redis's fixes): pack, unpack, size
 * LuaStrings    public: Lua strings as bytes both ways, for the rest of scripting
 * LuaBuffer     a string being built (luaL_Buffer)
 * LuaApi        the lua.h / lauxlib.h pieces luajava lacks: byte strings both ways, luaL_error
 *               and luaL_argerror texts, luaL_check* readers, lua_checkstack
 * CNumbers      C's conversions on x86-64/glibc: printf %.Ng, strtod, double-to-integer casts
 * </pre>
 *
 * <p>Library functions never let the VM raise an error inside a JNI call (it would unwind through
 * Java frames): they check first and throw {@code LuaApi.LuaError}, which becomes the Lua error
 * when the function returns. Nesting is followed with explicit stacks, not Java recursion, since
 * Lua's stack allows thousands of levels.
 */
package io.lodestone.scripting.lib;
