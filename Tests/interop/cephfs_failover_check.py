#!/usr/bin/env python3
"""A machine dies and nothing acknowledged is lost: Basalt on CephFS across network-namespace hosts.

    python3 Tests/interop/cephfs_failover_check.py BASALT [SCENARIO ...]

For each scenario a fresh testbed (scripts/cephfs/testbed.py: three Ceph hosts with a monitor and a
RAM-backed OSD each, three region-server hosts with their own CephFS mounts) takes a SYNC_WAL load of
numbered rows from `basalt bench load --ack-log` (every acknowledged key logged), then one fault:
  rs-host       a region server host dies: its link goes down, then everything in it is SIGKILLed
  storage-host  a Ceph host (monitor + OSD) dies the same way
  both          one of each at once
  zombie        a region server host is cut off with its processes alive, and reconnected after recovery
After each: every acknowledged row reads back with its value (`basalt bench verify`), every region is
open on exactly one live server, and in the zombie run the cut-off server was fenced (its CephFS client
is on Ceph's blocklist) and exited. Before the load, the file operations Basalt's engine needs (fsync of a
folder, zeros written ahead then overwritten and synced, truncate, rename, hard link) are checked across
two CephFS mounts. Recovery times are printed. Skips, saying why, only where the
machine lacks root, /dev/fuse or network namespaces. Exits non-zero on any failure.
"""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "cephfs"))
import testbed  # noqa: E402

ZK = f"{testbed.ROOT_IP}:{testbed.ZK_PORT}"
DEAD_RS = 5
DEAD_STORAGE = 2
FAULT_AFTER = 6.0
# After the fault the load must go on: this many more acknowledged rows, within the time allowed.
MORE_ACKS = 50_000
MORE_ACKS_WITHIN = 120.0


class AckSampler(threading.Thread):
    """Counts the ack log's lines every 100 ms, to see how long acknowledgements stopped."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.samples, self.running = path, [], True

    def run(self):
        while self.running:
            self.samples.append((time.monotonic(), ack_count(self.path)))
            time.sleep(0.1)

    def longest_stall(self, since):
        """The longest time after `since` during which the count did not move."""
        last_change, longest, previous = since, 0.0, None
        for t, n in self.samples:
            if t < since:
                previous = n
                continue
            if previous is not None and n != previous:
                longest = max(longest, t - last_change)
                last_change = t
            previous = n
        if self.samples:
            longest = max(longest, self.samples[-1][0] - last_change)
        return longest


def ack_count(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def read_quietly(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def regions_by_server(basalt):
    """(region -> [servers]) of the load's table, from `status 'detailed'` in the shell."""
    out = subprocess.run([basalt, "shell", "-D", f"hbase.zookeeper.quorum={ZK}", "-n"], input="status 'detailed'\n",
                         capture_output=True, text=True, timeout=60).stdout
    placement, server = {}, None
    for line in out.splitlines():
        if "dead servers" in line:
            break
        m = re.match(r"^\s{4}(\d+\.\d+\.\d+\.\d+):\d+ \d+$", line)
        if m:
            server = m.group(1)
            continue
        m = re.search(r"\"(usertable,[^\"]*)\"", line)
        if m and server:
            placement.setdefault(m.group(1), []).append(server)
    return placement, out


def scenario(name, basalt, work):
    bed = testbed.Testbed(os.path.join(work, name), basalt)
    failures = []
    try:
        bed.up()
        # What the engine needs of the shared root, across two mounts (fsync of a folder, zeros written
        # ahead then overwritten, truncate, rename, hard link).
        failures += bed.probe()
        acks = bed.path("acks")
        load_log = open(bed.path("log", "load.log"), "w")
        load = subprocess.Popen([basalt, "bench", "load", "-D", f"hbase.zookeeper.quorum={ZK}", "--rows", "3000000", "--threads", "4",
                                 "--regions", "12", "--durability", "SYNC_WAL", "--ack-log", acks,
                                 # A call in flight to a machine that died gets no reset: give up on it after 10 s
                                 # (HBase's default is 60 s) and retry where the region is now.
                                 "-D", "hbase.rpc.timeout=10000"], stdout=load_log, stderr=subprocess.STDOUT)
        sampler = AckSampler(acks)
        sampler.start()
        time.sleep(FAULT_AFTER)
        before = ack_count(acks)
        if before == 0:
            failures.append("no write was acknowledged before the fault")
        master_log = bed.path("log", "master.log")
        recovered_before = open(master_log).read().count("regions recovered")
        fault = time.monotonic()
        rs_pids = []
        if name in ("rs-host", "both", "zombie"):
            bed.link(DEAD_RS, False)
            rs_pids = [int(p) for p in subprocess.run(["ip", "netns", "pids", testbed.host(DEAD_RS)], capture_output=True, text=True).stdout.split()]
            if name != "zombie":
                bed.kill_host(DEAD_RS)
        if name in ("storage-host", "both"):
            bed.link(DEAD_STORAGE, False)
            bed.kill_host(DEAD_STORAGE)
        if name != "storage-host":
            # A storage host's death leaves Basalt nothing to recover: Ceph marks the OSD down and re-peers.
            if wait_for(lambda: open(master_log).read().count("regions recovered") > recovered_before, 90):
                fenced = re.findall(r"ms=(\d+) server=\S+ \[BasaltServer\] fenced", open(master_log).read())
                testbed.log(f"{name}: the master recovered the dead server's regions {time.monotonic() - fault:.1f} s after the fault"
                            f" (the fence took {fenced[-1] if fenced else '?'} ms)")
            else:
                failures.append("the master did not recover the dead server's regions within 90 s")
        if name == "zombie":
            blocklist = bed.ceph("osd", "blocklist", "ls", check=False).stdout + bed.ceph("osd", "blocklist", "ls", check=False).stderr
            if "listed" not in blocklist or blocklist.count(":") == 0:
                failures.append(f"the zombie's CephFS client is not on the blocklist: {blocklist.strip()}")
            bed.link(DEAD_RS, True)
            zombie = [p for p in rs_pids if b"regionserver" in read_quietly(f"/proc/{p}/cmdline")]

            def gone():
                return all(not os.path.exists(f"/proc/{p}") or read_quietly(f"/proc/{p}/stat").split()[2:3] == [b"Z"] for p in zombie)
            if not zombie or not wait_for(gone, 30):
                failures.append(f"the zombie region server ({zombie}) did not exit after it was reconnected")
            else:
                testbed.log(f"zombie: the cut-off region server exited {time.monotonic() - fault:.1f} s after the cut")
        if not wait_for(lambda: ack_count(acks) >= before + MORE_ACKS, MORE_ACKS_WITHIN):
            failures.append(f"the load did not go on after the fault: {ack_count(acks) - before} more rows acknowledged in {MORE_ACKS_WITHIN:.0f} s")
        sampler.running = False
        sampler.join()
        load.terminate()
        load.wait(30)
        testbed.log(f"{name}: acknowledgements stopped for at most {sampler.longest_stall(fault):.1f} s after the fault")
        verify = subprocess.run([basalt, "bench", "verify", "-D", f"hbase.zookeeper.quorum={ZK}", "--ack-log", acks],
                                capture_output=True, text=True, timeout=600)
        testbed.log(f"{name}: {ack_count(acks)} acknowledged rows ({before} before the fault); verify: {verify.stdout.strip().splitlines()[-1:] }")
        if verify.returncode != 0:
            failures.append(f"acknowledged rows are missing or wrong: {verify.stdout[-2000:]} {verify.stderr[-2000:]}")
        placement, status = regions_by_server(basalt)
        live = [n for n in testbed.SERVER_HOSTS if not (n == DEAD_RS and name in ("rs-host", "both", "zombie"))]
        live_hosts = {testbed.host_ip(n) for n in live}
        if len(placement) < 12:
            failures.append(f"status shows {len(placement)} of the table's 12 regions:\n{status}")
        for region, servers in placement.items():
            if len(servers) != 1 or servers[0] not in live_hosts:
                failures.append(f"region {region} is open on {servers}, not on exactly one live server")
    except Exception as e:  # a testbed that does not come up is a failure too
        failures.append(f"{type(e).__name__}: {e}")
        if isinstance(e, subprocess.CalledProcessError):
            failures.append(f"stdout: {e.stdout} stderr: {e.stderr}")
    finally:
        bed.down(quiet=True)
    return failures


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    basalt = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or ["rs-host", "storage-host", "both", "zombie"]
    why = testbed.missing_requirements()
    if why:
        print(f"cephfs_failover_check: SKIPPED: this machine cannot run the CephFS testbed: {why}")
        return
    testbed.install_packages()
    work = f"/tmp/basalt-cephfs-{os.getpid()}"
    failed = {}
    for name in names:
        started = time.monotonic()
        failures = scenario(name, basalt, work)
        testbed.log(f"{name}: {'FAILED' if failures else 'passed'} in {time.monotonic() - started:.0f} s")
        for f in failures:
            print(f"  {f}", flush=True)
        if failures:
            failed[name] = failures
    if failed:
        print(f"cephfs_failover_check: {len(failed)} of {len(names)} scenarios failed: {', '.join(failed)}")
        sys.exit(1)
    subprocess.run(["rm", "-rf", work])
    print(f"cephfs_failover_check: all {len(names)} scenarios passed")


if __name__ == "__main__":
    main()
