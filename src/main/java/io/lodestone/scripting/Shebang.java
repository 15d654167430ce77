package io.lodestone.scripting;

import io.lodestone.util.SplitArgs;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Redis's evalExtractShebangFlags: a script's {@code #!lua flags=...} first line. */
final class Shebang {
    private Shebang() {
    }

    /**
     * The length of the shebang line (without its newline; 0 when there is none, and the script is in
     * compatibility mode), its flags in {@code flags[0]}; or -1 with the error in {@code error[0]}.
     */
    static int parse(byte[] body, int[] flags, String[] error) {
        if (body.length < 2 || body[0] != '#' || body[1] != '!') {
            flags[0] = ScriptFlags.EVAL_COMPAT_MODE;
            return 0;
        }
        int end = 0;
        while (end < body.length && body[end] != '\n') end++;
        if (end == body.length) {
            error[0] = "Invalid script shebang";
            return -1;
        }
        List<String> parts = SplitArgs.split(new String(body, 0, end, StandardCharsets.ISO_8859_1));
        if (parts == null || parts.isEmpty()) {
            error[0] = "Invalid engine in script shebang";
            return -1;
        }
        if (!parts.get(0).equals("#!lua")) {
            error[0] = "Unexpected engine in script shebang: " + parts.get(0);
            return -1;
        }
        int f = 0;
        for (int j = 1; j < parts.size(); j++) {
            String part = parts.get(j);
            if (!part.startsWith("flags=")) {
                error[0] = "Unknown lua shebang option: " + part;
                return -1;
            }
            String list = part.substring(6);
            // sdssplitlen: an empty list is no flags; "a,,b" has an empty flag, which is unknown
            if (list.isEmpty()) continue;
            for (String name : list.split(",", -1)) {
                // strcmp: a shebang's flags are case-sensitive (a function's are not)
                int bit = name.equals(name.toLowerCase(java.util.Locale.ROOT)) ? ScriptFlags.of(name) : 0;
                if (bit == 0) {
                    error[0] = "Unexpected flag in script shebang: " + name;
                    return -1;
                }
                f |= bit;
            }
        }
        flags[0] = f;
        return end;
    }
}
