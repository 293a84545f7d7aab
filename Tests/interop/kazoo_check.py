"""Checks a ZooKeeper-protocol server with kazoo, a client Basalt did not write.

Usage: python3 kazoo_check.py HOST:PORT
Exits 0 and prints "kazoo: all checks passed" when every check holds; otherwise raises.
"""
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError, NodeExistsError, NotEmptyError
from kazoo.protocol.states import EventType, KazooState

hosts = sys.argv[1]
root = "/kazoo-" + uuid.uuid4().hex[:8]


def wait_for(predicate, what, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


zk = KazooClient(hosts=hosts, timeout=5.0)
zk.start(timeout=10)
assert zk.state == KazooState.CONNECTED

# create, read, update, delete
zk.ensure_path(root)
path = zk.create(root + "/node", b"one")
assert path == root + "/node", path
data, stat = zk.get(path)
assert data == b"one" and stat.version == 0 and stat.dataLength == 3, (data, stat)
stat = zk.set(path, b"two", version=0)
assert stat.version == 1, stat
assert zk.get(path)[0] == b"two"
try:
    zk.set(path, b"three", version=0)
    raise AssertionError("a stale version was accepted")
except BadVersionError:
    pass
try:
    zk.create(path)
    raise AssertionError("a duplicate create was accepted")
except NodeExistsError:
    pass
zk.create(root + "/deep/er/path", b"x", makepath=True)
try:
    zk.delete(root + "/deep")
    raise AssertionError("deleted a znode with children")
except NotEmptyError:
    pass
zk.delete(root + "/deep", recursive=True)
assert zk.exists(root + "/deep") is None
zk.delete(path)
try:
    zk.get(path)
    raise AssertionError("read a deleted znode")
except NoNodeError:
    pass

# children, sequential and ephemeral znodes
zk.create(root + "/a")
zk.create(root + "/b")
s1 = zk.create(root + "/seq-", sequence=True)
s2 = zk.create(root + "/seq-", ephemeral=True, sequence=True)
# The counter counts children ever created here: node, deep, a, b came before.
assert s1.endswith("seq-0000000004") and s2.endswith("seq-0000000005"), (s1, s2)
children, stat = zk.get_children(root, include_data=True)
assert sorted(children) == ["a", "b", "seq-0000000004", "seq-0000000005"], children
assert stat.numChildren == 4
assert zk.exists(s2).ephemeralOwner == zk.client_id[0]

# watches fire once
events = []
zk.get(root + "/a", watch=lambda e: events.append(("data", e.type, e.path)))
zk.get_children(root, watch=lambda e: events.append(("children", e.type, e.path)))
zk.exists(root + "/c", watch=lambda e: events.append(("exists", e.type, e.path)))
zk.set(root + "/a", b"changed")
zk.set(root + "/a", b"again")
zk.create(root + "/c")
wait_for(lambda: len(events) >= 3, "three watch events")
time.sleep(0.3)
assert sorted(events) == sorted([
    ("data", EventType.CHANGED, root + "/a"),
    ("children", EventType.CHILD, root),
    ("exists", EventType.CREATED, root + "/c"),
]), events

# a DataWatch sees every value
seen = []
zk.DataWatch(root + "/a", lambda data, stat: seen.append(data))
zk.set(root + "/a", b"third")
wait_for(lambda: seen[-1:] == [b"third"], "DataWatch to see b'third'")

# transactions are all or nothing
t = zk.transaction()
t.create(root + "/t1")
t.check(root + "/a", 99)
results = t.commit()
assert isinstance(results[1], BadVersionError), results
assert zk.exists(root + "/t1") is None

# an ephemeral znode vanishes when its session closes ...
other = KazooClient(hosts=hosts, timeout=5.0)
other.start(timeout=10)
other.create(root + "/closing", ephemeral=True)
gone = threading.Event()
zk.exists(root + "/closing", watch=lambda e: e.type == EventType.DELETED and gone.set())
other.stop()
other.close()
assert gone.wait(10), "the ephemeral znode of a closed session is still there"
assert zk.exists(root + "/closing") is None

# ... and when it expires: a child process holds the znode, then freezes (no pings)
child = subprocess.Popen([sys.executable, "-c", """
import sys, time
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], timeout=2.0)
zk.start(timeout=10)
zk.create(sys.argv[2], ephemeral=True)
print("ready", flush=True)
time.sleep(600)
""", hosts, root + "/expiring"], stdout=subprocess.PIPE)
try:
    assert child.stdout.readline().strip() == b"ready"
    expired = threading.Event()
    zk.exists(root + "/expiring", watch=lambda e: e.type == EventType.DELETED and expired.set())
    os.kill(child.pid, signal.SIGSTOP)
    assert expired.wait(20), "the ephemeral znode of an expired session is still there"
    assert zk.exists(root + "/expiring") is None
finally:
    child.kill()
    child.wait()

zk.delete(root, recursive=True)
zk.stop()
zk.close()
print("kazoo: all checks passed")
