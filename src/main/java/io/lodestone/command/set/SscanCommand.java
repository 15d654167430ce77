package io.lodestone.command.set;

import io.lodestone.command.Client;
import io.lodestone.command.keys.ScanCommand;
import io.lodestone.protocol.Reply;
import io.lodestone.store.type.SetValue;
import io.lodestone.util.Glob;

import java.util.ArrayList;
import java.util.List;

/**
 * SSCAN key cursor [MATCH pattern] [COUNT count], as Redis's scanGenericCommand does it for a set.
 *
 * <p>The cursor is checked first, then the key (a missing key is an empty scan whatever the
 * options), then the options. An intset is returned whole with cursor 0. A hashtable is walked with
 * Redis's reverse-binary cursor until COUNT members are gathered or ten times COUNT buckets were
 * visited; MATCH filters afterwards, so a page may be empty while the cursor is not 0.
 */
final class SscanCommand {
    private SscanCommand() {
    }

    static void sscan(Client c) {
        long cursor = ScanCommand.parseCursor(c.argv[2]);
        SetValue set = c.lookupRead(c.argv[1], SetValue.class);
        Reply r = c.reply;
        if (set == null) {
            ScanCommand.replyEmpty(r);
            return;
        }
        ScanCommand.Options o = ScanCommand.parseOptions(c, 3, false);
        long count = o.count();
        byte[] pattern = o.pattern();

        List<byte[]> found = new ArrayList<>();
        if (set.isIntset()) {
            SetValue.Members it = set.members();
            while (it.next()) found.add(it.bytes());
            cursor = 0;
        } else {
            // Like Redis, count * 10 may wrap for huge counts: the loop then runs to the end.
            long maxIterations = count * 10;
            do {
                cursor = set.scan(cursor, found::add);
            } while (cursor != 0 && maxIterations-- != 0 && found.size() < count);
        }

        int kept = found.size();
        if (pattern != null) {
            kept = 0;
            for (int i = 0; i < found.size(); i++) {
                byte[] m = found.get(i);
                if (Glob.match(pattern, m, false)) found.set(kept++, m);
            }
        }
        r.array(2);
        r.bulk(Long.toUnsignedString(cursor));
        r.array(kept);
        for (int i = 0; i < kept; i++) r.bulk(found.get(i));
    }
}
