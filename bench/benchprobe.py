"""The RESP client and helpers shared by the probes of bench/persistence.sh and bench/replication.sh
(standard library only). The scripts run their probes with this directory on PYTHONPATH."""
import math, socket, sys, time


class Conn:
    def __init__(self, port, timeout):
        self.s = socket.create_connection(("127.0.0.1", int(port)), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _fill(self):
        chunk = self.s.recv(1 << 16)
        if not chunk:
            raise EOFError("connection closed by the server")
        self.buf += chunk

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-", b":"):
            return kind + rest
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise ValueError("unexpected reply %r" % line[:80])

    def call(self, *args):
        self.send(*args)
        return self.reply()

    def ok(self, *args):
        r = self.call(*args)
        if isinstance(r, bytes) and r.startswith(b"-"):
            fail("%s answered %s" % (" ".join(map(str, args)), r.decode(errors="replace")))
        return r


def fail(msg):
    sys.stderr.write("probe: %s\n" % msg)
    sys.exit(1)


def is_error(r):
    return isinstance(r, bytes) and r.startswith(b"-")


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


def cmd(port, timeout, *args):
    """Runs one command on a new connection; prints "<ms> <reply>", exits 1 on an error reply."""
    c = Conn(port, float(timeout))
    t0 = time.monotonic()
    try:
        r = c.call(*args)
    except EOFError:
        r = b"(connection closed)"  # SHUTDOWN answers nothing when it succeeds
    ms = (time.monotonic() - t0) * 1000
    text = r.decode(errors="replace") if isinstance(r, bytes) else repr(r)
    print("%.1f %s" % (ms, text.replace("\n", " ").replace("\r", "")))
    sys.exit(1 if is_error(r) else 0)
