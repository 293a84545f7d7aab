#!/usr/bin/env python3
"""What outside clients found at the edges, checked as a new user meets them: happybase and the HBase
shell against a real `basalt start` on free loopback ports.

1. Binary row keys: every first byte 0-255 and the keys around binary split points (bytes below ','
   among them) are written, read back, scanned in order, through the gateway and the shell.
2. Large cells: 5 MB and just under 10 MB values go in and come back, by get and by scan.
3. Errors that cannot succeed come back at once (a retried one would take about 100 s): a cell over
   hbase.server.keyvalue.maxsize, a table or family that does not exist, an empty row key.
4. A stop is bounded while a call is retrying: SIGTERM with a put retrying against a region stuck in
   transition ends the process within seconds, the put fails with a clear error, and a restart on the
   same folder serves everything written before.

Usage: standalone_edges_check.py path/to/basalt. Exits non-zero on the first failed check.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import happybase

FAST = 2.0  # seconds: an error a retry cannot cure must come back within this


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print("ok: " + message, flush=True)


class Basalt:
    def __init__(self, binary, data):
        self.binary = binary
        self.data = data
        self.err = open(os.path.join(os.path.dirname(data), "basalt.err"), "ab")
        self.process = subprocess.Popen(
            [binary, "start", "--data", data, "-D", "hbase.zookeeper.property.clientPort=0", "-D", "hbase.master.port=0",
             "-D", "hbase.regionserver.port=0", "-D", "hbase.regionserver.thrift.port=0",
             "-D", "hbase.master.info.port=0", "-D", "hbase.regionserver.info.port=0"],
            stdout=subprocess.PIPE, stderr=self.err)
        line = self.process.stdout.readline().decode()
        zk = re.search(r"zookeeper (127\.0\.0\.1:\d+)", line)
        thrift = re.search(r"thrift 127\.0\.0\.1:(\d+)", line)
        if not zk or not thrift:
            self.process.kill()
            fail("basalt start printed no ready line: %r" % line)
        self.zk = zk.group(1)
        self.port = int(thrift.group(1))

    def connection(self):
        return happybase.Connection("127.0.0.1", self.port, timeout=300000)

    def shell(self, script):
        r = subprocess.run([self.binary, "shell", "-n", "-D", "hbase.zookeeper.quorum=" + self.zk],
                           input=script.encode(), capture_output=True, timeout=120)
        if r.returncode != 0:
            fail("shell script failed (%d): %s\n%s" % (r.returncode, script, r.stdout.decode() + r.stderr.decode()))
        return r.stdout.decode()

    def stop(self, sig=signal.SIGTERM):
        started = time.time()
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            fail("basalt start did not stop within 60 s of %s" % sig)
        return time.time() - started


def quickly(what, call, expected):
    """Runs call, which must raise an exception named `expected` within FAST seconds."""
    started = time.time()
    try:
        call()
    except Exception as e:  # happybase raises the gateway's Thrift exceptions
        took = time.time() - started
        check(type(e).__name__ == expected, "%s raises %s (%s: %s)" % (what, expected, type(e).__name__, str(e)[:160]))
        check(took < FAST, "%s is not retried: answered in %.2f s" % (what, took))
        return str(e)
    fail("%s succeeded" % what)


def binary_keys(b):
    splits = [b"\x00\x80", b"\x10", b"+", b"a"]
    b.shell("create 'bk', 'f', SPLITS => [\"\\x00\\x80\", \"\\x10\", \"+\", \"a\"]\ncreate 'one', 'f'\n")
    rows = set()
    for byte in range(256):
        rows.update([bytes([byte]), bytes([byte, 0]), bytes([byte]) + b"k"])
    for s in splits:
        rows.update([s, s + b"\x00", s + b"\xff", s[:-1] + bytes([s[-1] - 1]) if s[-1] else s])
    rows.update([b"\x00\x00", b"\x00k"])
    rows = sorted(rows)
    c = b.connection()
    t = c.table("bk")
    for r in rows[::2]:
        t.put(r, {b"f:q": b"v" + r})
    with t.batch() as batch:
        for r in rows[1::2]:
            batch.put(r, {b"f:q": b"v" + r})
    wrong = [r for r in rows if t.row(r) != {b"f:q": b"v" + r}]
    check(not wrong, "all %d binary rows read back through the gateway (wrong: %r)" % (len(rows), wrong[:5]))
    scanned = [k for k, _ in t.scan()]
    check(scanned == rows, "a scan returns every binary row in byte order (%d of %d)" % (len(scanned), len(rows)))
    check([k for k, _ in t.scan(row_start=b"\x00\x80", row_stop=b"\x10")] == [r for r in rows if b"\x00\x80" <= r < b"\x10"],
          "a scan across a binary split point returns exactly its rows")
    one = c.table("one")
    one.put(b"\x00", {b"f:q": b"zero"})
    check(one.row(b"\x00") == {b"f:q": b"zero"}, "row \\x00 of an unsplit table is found")
    out = b.shell("get 'bk', \"\\x00k\"\ncount 'bk'\n")
    check("value=v\\x00k" in out, "the shell gets row \\x00k")
    check("%d row(s)" % len(rows) in out, "the shell counts every binary row")
    c.close()
    return rows


def large_cells(b):
    c = b.connection()
    c.create_table("big", {"f": dict()})
    t = c.table("big")
    sizes = {b"r5": 5 << 20, b"r9": 10 * 1024 * 1024 - 100}
    for row, n in sizes.items():
        t.put(row, {b"f:q": bytes([len(row)]) * n})
    for row, n in sizes.items():
        v = t.row(row).get(b"f:q", b"")
        check(len(v) == n, "a %d-byte value comes back by get (%d bytes)" % (n, len(v)))
    lengths = [len(d[b"f:q"]) for _, d in t.scan()]
    check(lengths == list(sizes.values()), "large values come back by scan (%r)" % lengths)
    c.close()


def fast_errors(b):
    c = b.connection()
    t = c.table("big")
    message = quickly("an 11 MB cell", lambda: t.put(b"over", {b"f:q": b"x" * (11 << 20)}), "IllegalArgument")
    check("hbase.client.keyvalue.maxsize" in message, "the refusal names the limit")
    check(t.row(b"over") == {}, "nothing of the refused cell was stored")
    quickly("a put to a missing table", lambda: c.table("missing").put(b"r", {b"f:q": b"v"}), "IOError")
    quickly("a get from a missing table", lambda: c.table("missing").row(b"r"), "IOError")
    quickly("a put to a missing family", lambda: t.put(b"r", {b"nope:q": b"v"}), "IOError")
    quickly("a put with an empty row key", lambda: t.put(b"", {b"f:q": b"v"}), "IllegalArgument")
    c.close()


def bounded_stop(b):
    b.shell("create 'stuck', 'f'\n")
    c = b.connection()
    meta = c.table("hbase:meta")
    region = [k for k, _ in meta.scan(row_prefix=b"stuck,", columns=[b"info:regioninfo"])]
    check(len(region) == 1, "the new table has one region in meta")
    # An operator's nightmare: the region looks stuck in transition, so a put to it retries.
    meta.put(region[0], {b"info:state": b"OPENING"})
    outcome = {}

    def put():
        started = time.time()
        try:
            happybase.Connection("127.0.0.1", b.port, timeout=300000).table("stuck").put(b"r", {b"f:q": b"v"})
            outcome["ok"] = True
        except Exception as e:
            outcome["error"] = "%s: %s" % (type(e).__name__, e)
        outcome["took"] = time.time() - started

    writer = threading.Thread(target=put)
    writer.start()
    time.sleep(2)
    check(writer.is_alive(), "the put is retrying against the stuck region")
    took = b.stop()
    writer.join(30)
    check(b.process.returncode == 0, "basalt start exits with status 0 after SIGTERM (got %s)" % b.process.returncode)
    check(took < 10, "SIGTERM with a call retrying ends the process in %.1f s" % took)
    check("stopping" in outcome.get("error", ""), "the retrying put fails with a clear error (%s)" % outcome.get("error"))
    c.close()


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="basalt-edges-") as work:
        data = os.path.join(work, "data")
        b = Basalt(binary, data)
        try:
            rows = binary_keys(b)
            large_cells(b)
            fast_errors(b)
            bounded_stop(b)
        except BaseException:
            b.stop(signal.SIGKILL) if b.process.poll() is None else None
            raise
        again = Basalt(binary, data)
        try:
            c = again.connection()
            t = c.table("bk")
            check([k for k, _ in t.scan()] == rows, "after the restart every binary row is there")
            check(len(c.table("big").row(b"r9")[b"f:q"]) == 10 * 1024 * 1024 - 100, "after the restart the large value is there")
            s = c.table("stuck")
            s.put(b"r", {b"f:q": b"v"})
            check(s.row(b"r") == {b"f:q": b"v"}, "after the restart the stuck region is open again")
            c.close()
        finally:
            again.stop()
    print("standalone edges: all checks passed", flush=True)


if __name__ == "__main__":
    main()
