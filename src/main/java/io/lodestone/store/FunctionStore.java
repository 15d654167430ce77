package io.lodestone.store;

import java.util.List;

/**
 * The function libraries as part of the data set (Redis's functions_lib_ctx): saved with the keys,
 * carried by a full sync, emptied with the data when a load replaces it, and left alone by FLUSHALL.
 * The scripting layer owns the libraries and implements this; the keyspace holds it so that
 * persistence reaches the libraries where it reaches the keys.
 */
public interface FunctionStore {
    /** Each library's code, shebang included (what FUNCTION LOAD was given). */
    List<byte[]> codes();

    /**
     * Creates the libraries of {@code codes} (Redis's rdbFunctionLoad for each): after removing every
     * existing library when {@code flush}; else added to them, where a library already present is an
     * error unless {@code replace}. All or nothing: returns null when done, else Redis's error text,
     * with the libraries unchanged.
     */
    String restore(List<byte[]> codes, boolean flush, boolean replace);

    /** Removes every library. */
    void clear();

    /** No libraries: a keyspace no scripting layer is attached to (a loader's fresh keyspace, tests). */
    FunctionStore NONE = new FunctionStore() {
        @Override
        public List<byte[]> codes() {
            return List.of();
        }

        @Override
        public String restore(List<byte[]> codes, boolean flush, boolean replace) {
            return codes.isEmpty() ? null : "Functions are not supported here";
        }

        @Override
        public void clear() {
        }
    };
}
