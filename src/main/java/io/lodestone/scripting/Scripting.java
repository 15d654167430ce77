package io.lodestone.scripting;

import io.lodestone.command.CommandTable;
import io.lodestone.command.ServerContext;

/**
 * Scripting's one owner: EVAL's engine and script cache, FUNCTION's engine and libraries, the
 * commands over them, and what INFO and persistence see of them. The libraries are attached to the
 * keyspace as its {@link io.lodestone.store.FunctionStore}: they are saved, loaded and replicated with
 * the data.
 */
public final class Scripting implements ServerContext.ScriptingInfo {
    private final EvalEngine eval;
    private final FunctionLibraries functions;

    public Scripting(ServerContext server) {
        eval = new EvalEngine(server);
        FunctionEngine engine = new FunctionEngine(server);
        functions = new FunctionLibraries(engine);
        engine.libraries = functions;
        server.scripting = this;
        server.keyspace.functions(functions);
    }

    /** Adds EVAL, SCRIPT, FCALL and FUNCTION's handlers to the command table. */
    public void register(CommandTable t) {
        EvalCommands.register(t, eval);
        FunctionCommands.register(t, functions);
    }

    @Override
    public long evalVmMemory() {
        return eval.luaMemory();
    }

    @Override
    public long evalScriptsMemory() {
        return eval.scriptsMemory();
    }

    @Override
    public int cachedScripts() {
        return eval.scriptCount();
    }

    @Override
    public long functionsVmMemory() {
        return functions.engine.luaMemory();
    }

    @Override
    public long functionsMemory() {
        return functions.memory();
    }

    @Override
    public int functionCount() {
        return functions.functionCount();
    }

    @Override
    public int libraryCount() {
        return functions.libraryCount();
    }
}
