package io.lodestone.config;

import java.util.function.Function;

/**
 * What a parameter may need to know while parsing a value: whether the value comes from the
 * config file (the {@code save} rules merge differently there), the directory relative paths
 * resolve against, and the other values (for {@code proc-title-template}).
 */
final class ParseContext {

    final boolean readingConfigFile;
    final boolean verifyPaths;
    private final Function<ConfigParam, Object> values;
    private final String configFile;
    /** Set once the first {@code save} line of the config files replaced the default rules. */
    boolean saveLoaded;

    ParseContext(boolean readingConfigFile, boolean verifyPaths, Function<ConfigParam, Object> values,
                 String configFile) {
        this.readingConfigFile = readingConfigFile;
        this.verifyPaths = verifyPaths;
        this.values = values;
        this.configFile = configFile;
    }

    Object value(String name) {
        return values.apply(ConfigRegistry.require(name));
    }

    /** The working directory as Redis would have it: the current {@code dir}. */
    String currentDir() {
        return (String) value("dir");
    }

    String configFile() {
        return configFile;
    }
}
