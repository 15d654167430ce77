package io.lodestone.server;

import io.lodestone.util.Version;

/** The start-up logo (always-show-logo, or a terminal): version, mode, port and PID. */
final class Banner {
    private Banner() {
    }

    static String logo(int port, long pid) {
        return String.format("""
                                    _._
                               _.-``   ``-._
                          _.-``   Lodestone  ``-._        Lodestone %s (Redis %s compatible)
                      .-`` .-```.  ```\\/    _.,_ ``-._     Running in standalone mode
                     (    '      ,       .-`  | `,    )    Port: %d
                     |`-._`-...-` __...-.``-._|'` _.-'|    PID: %d
                     |    `-._   `._    /     _.-'    |    Java %s
                      `-._    `-._  `-./  _.-'    _.-'
                          `-._    `-.__.-'    _.-'
                              `-._        _.-'
                                  `-.__.-'

                """, Version.LODESTONE_VERSION, Version.REDIS_VERSION, port, pid, System.getProperty("java.version"));
    }
}
