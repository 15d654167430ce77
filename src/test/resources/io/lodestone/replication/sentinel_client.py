"""A Sentinel-aware redis-py client writing through a failover, for SentinelClientsTest.

    /usr/bin/python3 sentinel_client.py <sentinel ports, comma separated> <master name> <max writes> <max seconds>

Connects with redis.sentinel.Sentinel(...).master_for(<master name>) and repeats: SET k:<n> <n>, then
INCR counter, with a short pause between writes. It prints one line per outcome, flushed at once:

    ack <n> <counter> <phase>   both commands of write n were acknowledged; INCR answered <counter>;
                                <phase> is the number of "mark" lines read before the write was sent
    err <n> <error class>       write n failed (the master is down, a replica is read-only, a timeout):
                                it is retried with the same n after a short pause
    done <acks> <errors>        the last line, when it stops

It reads stdin: each line "mark" starts a new phase (the test marks a moment, such as "the old master
is dead", and can then tell which writes were sent after it); "stop", any other line, or end of file
(the test went away) stops it. It also stops after <max writes> acknowledged writes or <max seconds>.

A failed write may still have been applied (the reply was lost): its key gets the same value when
retried, and the counter may end higher than the last acknowledged INCR.
"""
import sys
import threading
import time

from redis.exceptions import ConnectionError, ReadOnlyError, ResponseError, TimeoutError
from redis.sentinel import Sentinel

PAUSE_BETWEEN_WRITES = 0.002
PAUSE_AFTER_ERROR = 0.02


def main():
    ports, name, max_writes, max_seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    stop = threading.Event()
    phase = [0]

    def watch_stdin():
        for line in sys.stdin:
            if line.strip() == "mark":
                phase[0] += 1
            else:
                break
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    sentinel = Sentinel([("127.0.0.1", int(p)) for p in ports.split(",")], socket_timeout=0.5)
    master = sentinel.master_for(name, socket_timeout=1.0, socket_connect_timeout=0.5)
    deadline = time.monotonic() + max_seconds
    n = acks = errors = 0
    while not stop.is_set() and acks < max_writes and time.monotonic() < deadline:
        sent_in_phase = phase[0]
        try:
            master.set("k:%d" % n, n)
            counter = master.incr("counter")
        except (ConnectionError, TimeoutError, ReadOnlyError, ResponseError) as e:
            # ConnectionError includes MasterNotFoundError (no sentinel names a master that is up).
            errors += 1
            print("err %d %s" % (n, type(e).__name__), flush=True)
            time.sleep(PAUSE_AFTER_ERROR)
            continue
        print("ack %d %d %d" % (n, counter, sent_in_phase), flush=True)
        acks += 1
        n += 1
        time.sleep(PAUSE_BETWEEN_WRITES)
    print("done %d %d" % (acks, errors), flush=True)


if __name__ == "__main__":
    main()
