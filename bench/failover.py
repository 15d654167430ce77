"""Failover timing under real redis-sentinel: the probe of bench/failover.sh (standard library and
bench/benchprobe only). For each server family (redis-server, then Lodestone) and each Sentinel
setting: three servers (a master and two replicas), three sentinels (quorum 2); a writer SETs a new
key every 5 ms on the master Sentinel names; the master is killed with SIGKILL; measured is the time
from the kill to the first write accepted by the new master, and to the moment Sentinel names it.
The killed server is restarted on its port (Sentinel turns it into a replica) before the next round.

Usage: failover.py SENTINEL_BIN ROUNDS DOWN_AFTER_MS[,...] -- FAMILY=COMMAND... [-- FAMILY=COMMAND...]
Prints one line per round: family down_after round kill_to_switch_ms kill_to_write_ms."""
import os, signal, socket, subprocess, sys, tempfile, threading, time

from benchprobe import Conn, is_error


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port):
    try:
        return Conn(port, 0.5).call("PING") == b"+PONG"
    except (OSError, EOFError, ValueError):
        return False


def wait(what, cond, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if cond():
                return
        except (OSError, EOFError, ValueError):
            pass
        time.sleep(0.05)
    raise SystemExit("failover.py: timed out waiting for " + what)


class Setup:
    def __init__(self, work, sentinel_bin, command, down_after, rounds):
        self.work, self.command, self.procs = work, command, {}
        self.ports = [free_port() for _ in range(3)]
        for i, p in enumerate(self.ports):
            self.start_server(i)
        wait("the servers", lambda: all(answers(p) for p in self.ports), 60)
        for p in self.ports[1:]:
            Conn(p, 5).ok("REPLICAOF", "127.0.0.1", self.ports[0])
        self.sentinels = []
        for i in range(3):
            sp = free_port()
            d = os.path.join(work, "sentinel%d" % i)
            os.makedirs(d, exist_ok=True)
            conf = os.path.join(d, "sentinel.conf")
            lines = ["port %d" % sp, "bind 127.0.0.1", "dir %s" % d,
                     "sentinel monitor mymaster 127.0.0.1 %d 2" % self.ports[0]]
            if down_after:
                lines.append("sentinel down-after-milliseconds mymaster %d" % down_after)
            if rounds > 1:  # a sentinel does not fail the same master over again within 2 x failover-timeout
                lines.append("sentinel failover-timeout mymaster %d" % max(2000, 2 * down_after))
            open(conf, "w").write("\n".join(lines) + "\n")
            log = open(os.path.join(d, "log"), "w")
            self.procs["s%d" % i] = subprocess.Popen([sentinel_bin, conf], stdout=log, stderr=log)
            self.sentinels.append(sp)
        wait("the sentinels", lambda: all(answers(p) for p in self.sentinels), 30)
        self.await_topology(self.ports[0])

    def start_server(self, i):
        d = os.path.join(self.work, "server%d" % i)
        os.makedirs(d, exist_ok=True)
        log = open(os.path.join(d, "log"), "a")
        args = self.command + ["--port", str(self.ports[i]), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                               "--appendonly", "no", "--repl-diskless-sync-delay", "0"]
        if i in self.procs and self.procs[i].poll() is None:
            raise SystemExit("server %d still runs" % i)
        # Restarted after a kill: it comes back as the master it was; Sentinel demotes it.
        self.procs[i] = subprocess.Popen(args, stdout=log, stderr=log)

    def master(self, sentinel=0):
        r = Conn(self.sentinels[sentinel], 2).call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
        return int(r[1])

    def await_topology(self, master_port):
        def ready():
            for s in self.sentinels:
                c = Conn(s, 2)
                if int(c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")[1]) != master_port:
                    return False
                replicas = c.call("SENTINEL", "REPLICAS", "mymaster")
                up = [r for r in replicas if "s_down" not in dict(zip(r[::2], r[1::2]))[b"flags"].decode()]
                if len(up) < 2 or len(c.call("SENTINEL", "SENTINELS", "mymaster")) < 2:
                    return False
            for p in self.ports:
                if p != master_port:
                    info = Conn(p, 2).call("INFO", "replication").decode()
                    if "master_link_status:up" not in info or ("master_port:%d" % master_port) not in info:
                        return False
            return True
        wait("Sentinel to see the master, two replicas and the other sentinels", ready, 120)

    def close(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()


class Writer(threading.Thread):
    """SETs a new key every 5 ms on the master Sentinel names; records when each write is accepted."""

    def __init__(self, setup):
        super().__init__(daemon=True)
        self.setup, self.stop, self.accepted = setup, False, []  # (time, port)

    def run(self):
        n, conn, port = 0, None, None
        while not self.stop:
            try:
                if conn is None:
                    port = self.setup.master()
                    conn = Conn(port, 0.5)
                n += 1
                r = conn.call("SET", "failover:%d" % n, n)
                if not is_error(r):
                    self.accepted.append((time.monotonic(), port))
                else:
                    conn = None  # READONLY, or the old master refusing: ask Sentinel again
            except (OSError, EOFError, ValueError, IndexError, TypeError):
                conn = None
            time.sleep(0.005)


def main():
    sentinel_bin, rounds, downs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
    families, cur = [], None
    for a in sys.argv[4:]:
        if a == "--":
            cur = None
        elif cur is None:
            name, first = a.split("=", 1)
            cur = [first]
            families.append((name, cur))
        else:
            cur.append(a)
    for name, command in families:
        for down in downs:
            down = int(down)
            n = rounds if down else 1
            with tempfile.TemporaryDirectory(prefix="lodestone-failover.") as work:
                setup = Setup(work, sentinel_bin, command, down, n)
                try:
                    for rnd in range(1, n + 1):
                        old = setup.master()
                        victim = setup.ports.index(old)
                        w = Writer(setup)
                        w.start()
                        wait("writes", lambda: len(w.accepted) > 20, 30)
                        t0 = time.monotonic()
                        setup.procs[victim].send_signal(signal.SIGKILL)
                        setup.procs[victim].wait()
                        switch = [None]

                        def switched():
                            if switch[0] is None and setup.master() != old:
                                switch[0] = time.monotonic()
                            return any(t > t0 and p != old for t, p in w.accepted)
                        wait("a write accepted by a new master", switched, 300)
                        first = min(t for t, p in w.accepted if t > t0 and p != old)
                        if switch[0] is None:
                            switch[0] = first
                        w.stop = True
                        w.join()
                        print("%s %s %d %.0f %.0f" % (name, down or "default", rnd, (switch[0] - t0) * 1000,
                                                      (first - t0) * 1000), flush=True)
                        new = setup.master()
                        setup.start_server(victim)
                        setup.await_topology(new)
                finally:
                    setup.close()


if __name__ == "__main__":
    main()
