#!/usr/bin/env python3
"""A Basalt cluster whose root is on CephFS, across network-namespace hosts on one machine.

    scripts/cephfs/testbed.py up DIR [--basalt PATH]     start everything, print what runs where
    scripts/cephfs/testbed.py down DIR                   stop everything, remove the hosts

Hosts are network namespaces bsh1..bsh6 on a bridge (10.213.0.0/24) this script makes:
  bsh1..bsh3  a Ceph monitor and a RAM-backed (memstore) OSD each; pools of size 3, min_size 2, the host
              as failure domain, so a killed host really loses its disk
  bsh4..bsh6  a Basalt region server each, with its own CephFS mount (ceph-fuse)
The root namespace (10.213.0.1) runs ZooKeeper, Ceph's metadata server, the Basalt master with its own
mount, and the clients. The master fences a dead region server with `ceph tell mds.* client evict`.
Needs root, /dev/fuse and iproute2; installs Debian's ceph and zookeeper packages when missing.
"""
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

BRIDGE = "bsbr0"
NET = "10.213.0"
ROOT_IP = f"{NET}.1"
STORAGE_HOSTS = [1, 2, 3]
SERVER_HOSTS = [4, 5, 6]
MON_PORT = 13300
ZK_PORT = 12181
MASTER_PORT = 16000
RS_PORT = 16020
ZK_CLASSPATH = "/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-simple.jar"
CEPH_PACKAGES = ["ceph-mon", "ceph-osd", "ceph-mds", "ceph-fuse", "ceph-common", "uuid-runtime"]


def log(msg):
    print(f"[testbed {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(*args, check=True, timeout=60, **kw):
    return subprocess.run(list(args), check=check, timeout=timeout, text=True, capture_output=True, **kw)


def host(n):
    return f"bsh{n}"


def host_ip(n):
    return f"{NET}.1{n}"


def missing_requirements():
    """What this machine lacks for the testbed, or None."""
    if os.geteuid() != 0:
        return "it needs root (network namespaces, a bridge, FUSE mounts)"
    if not os.path.exists("/dev/fuse"):
        return "it needs /dev/fuse for ceph-fuse"
    if shutil.which("ip") is None:
        return "it needs iproute2's ip"
    probe = subprocess.run(["ip", "netns", "add", "bsprobe"], capture_output=True)
    if probe.returncode != 0:
        return f"it cannot make network namespaces: {probe.stderr.decode().strip()}"
    subprocess.run(["ip", "netns", "del", "bsprobe"], capture_output=True)
    return None


def install_packages():
    need = [p for p in CEPH_PACKAGES if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if not os.path.exists("/usr/share/java/zookeeper.jar"):
        need.append("zookeeper")
    if not need:
        return
    log(f"installing Debian packages: {' '.join(need)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + need
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(cmd, env=env, check=True, capture_output=True)


class Testbed:
    def __init__(self, directory, basalt):
        self.dir = os.path.abspath(directory)
        self.basalt = os.path.abspath(basalt)
        self.conf = os.path.join(self.dir, "ceph.conf")
        self.env = dict(os.environ, CEPH_CONF=self.conf)
        self.procs = {}  # name -> Popen of processes we started that did not daemonize

    # MARK: paths
    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def ceph(self, *args, timeout=30, check=True):
        return run("ceph", "--conf", self.conf, "--connect-timeout", "10", *args, timeout=timeout, check=check, env=self.env)

    def netns(self, n, *args, **kw):
        return ["ip", "netns", "exec", host(n), *args]

    # MARK: network
    def make_hosts(self):
        self.remove_hosts()
        run("ip", "link", "add", BRIDGE, "type", "bridge")
        run("ip", "addr", "add", f"{ROOT_IP}/24", "dev", BRIDGE)
        run("ip", "link", "set", BRIDGE, "up")
        for n in STORAGE_HOSTS + SERVER_HOSTS:
            h, veth = host(n), f"bsv{n}"
            run("ip", "netns", "add", h)
            run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", h)
            run("ip", "link", "set", veth, "master", BRIDGE, "up")
            run("ip", "netns", "exec", h, "ip", "addr", "add", f"{host_ip(n)}/24", "dev", "eth0")
            run("ip", "netns", "exec", h, "ip", "link", "set", "eth0", "up")
            run("ip", "netns", "exec", h, "ip", "link", "set", "lo", "up")
            run("ip", "netns", "exec", h, "ip", "route", "add", "default", "via", ROOT_IP)

    def remove_hosts(self):
        for n in STORAGE_HOSTS + SERVER_HOSTS:
            subprocess.run(["ip", "netns", "del", host(n)], capture_output=True)
            subprocess.run(["ip", "link", "del", f"bsv{n}"], capture_output=True)
        subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)

    def link(self, n, up):
        run("ip", "link", "set", f"bsv{n}", "up" if up else "down")

    def kill_host(self, n):
        """Every process in the host's network namespace, SIGKILLed."""
        pids = run("ip", "netns", "pids", host(n), check=False).stdout.split()
        for p in pids:
            try:
                os.kill(int(p), signal.SIGKILL)
            except ProcessLookupError:
                pass
        return [int(p) for p in pids]

    # MARK: ceph
    def start_ceph(self):
        for d in ["run", "log", "pids", "mon", "osd", "mds"]:
            os.makedirs(self.path(d), exist_ok=True)
        fsid = str(uuid.uuid4())
        mons = ",".join(f"v2:{host_ip(n)}:{MON_PORT}" for n in STORAGE_HOSTS)
        modes = "\n".join(f"ms_{k}_mode = crc secure" for k in ["mon_client", "client", "service", "cluster", "mon_service", "mon_cluster"])
        with open(self.conf, "w") as f:
            f.write(f"""[global]
fsid = {fsid}
mon_host = {mons}
public_network = {NET}.0/24
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
{modes}
run_dir = {self.path('run')}
admin_socket = {self.path('run')}/$name.$pid.asok
log_file = {self.path('log')}/$name.log
pid_file = {self.path('pids')}/$name.pid
mon_data = {self.path('mon')}/$cluster-$id
osd_data = {self.path('osd')}/$cluster-$id
keyring = {self.path('keyring')}
osd_pool_default_size = 3
osd_pool_default_min_size = 2
osd_pool_default_pg_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 1
# Failure detection tuned for a test (Ceph's defaults wait longer): monitor leases and elections of
# 1 s instead of 5 s, an OSD declared down after 4 s of silence instead of 20.
mon_lease = 1
mon_election_timeout = 1
osd_heartbeat_interval = 1
osd_heartbeat_grace = 4
mon_osd_adjust_heartbeat_grace = false
mon_osd_min_down_reporters = 1
# A daemon or client whose monitor session is with a monitor that died notices after 3 s instead of 30
# (keepalive every second): an OSD's peering waits for its up_thru, which it sends on that session, and
# with the defaults a host with a monitor and an OSD dying at once held CephFS for about 20 s.
mon_client_ping_interval = 1
mon_client_ping_timeout = 3
mon_data_avail_warn = 1
mon_warn_on_pool_no_redundancy = false
ms_bind_port_min = 17800
ms_bind_port_max = 17999
[osd]
osd_objectstore = memstore
memstore_device_bytes = 1073741824
osd_op_num_shards = 1
osd_op_num_threads_per_shard = 2
[mds]
mds_data = {self.path('mds')}/$cluster-$id
""")
        run("ceph-authtool", "--create-keyring", self.path("keyring"), "--gen-key", "-n", "mon.", "--cap", "mon", "allow *")
        run("ceph-authtool", self.path("keyring"), "--gen-key", "-n", "client.admin", "--cap", "mon", "allow *",
            "--cap", "osd", "allow *", "--cap", "mds", "allow *", "--cap", "mgr", "allow *")
        monmap = ["monmaptool", "--create", "--fsid", fsid]
        for i, n in enumerate(STORAGE_HOSTS):
            monmap += ["--addv", "abc"[i], f"[v2:{host_ip(n)}:{MON_PORT}]"]
        run(*monmap, self.path("monmap"))
        for i, n in enumerate(STORAGE_HOSTS):
            mon = "abc"[i]
            run(*self.netns(n, "ceph-mon", "--conf", self.conf, "--mkfs", "-i", mon, "--monmap", self.path("monmap"), "--keyring", self.path("keyring")))
            run(*self.netns(n, "ceph-mon", "--conf", self.conf, "-i", mon, "--public-addr", f"v2:{host_ip(n)}:{MON_PORT}"))
        self.wait(lambda: self.ceph("mon", "stat", timeout=15, check=False).returncode == 0, 60, "Ceph's monitors to form a quorum")
        for n in STORAGE_HOSTS:
            osd_uuid = str(uuid.uuid4())
            osd_id = self.ceph("osd", "new", osd_uuid).stdout.strip()
            os.makedirs(self.path("osd", f"ceph-{osd_id}"), exist_ok=True)
            run(*self.netns(n, "ceph-osd", "--conf", self.conf, "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid), timeout=120)
            run(*self.netns(n, "ceph-osd", "--conf", self.conf, "-i", osd_id, "--public_addr", host_ip(n), "--cluster_addr", host_ip(n),
                            "--crush_location", f"root=default host={host(n)}"))
        self.wait(lambda: json.loads(self.ceph("osd", "stat", "--format", "json").stdout).get("num_up_osds", 0) == 3, 90, "three OSDs up")
        self.ceph("osd", "pool", "create", "cephfs_meta", "8")
        self.ceph("osd", "pool", "create", "cephfs_data", "8")
        self.ceph("fs", "new", "cephfs", "cephfs_meta", "cephfs_data")
        os.makedirs(self.path("mds", "ceph-a"), exist_ok=True)
        run("ceph-mds", "--conf", self.conf, "-i", "a", "--public_addr", ROOT_IP, env=self.env)
        self.wait(lambda: "up:active" in self.ceph("mds", "stat", check=False).stdout, 90, "the metadata server to be active")

    def mount_command(self, mountpoint, name):
        os.makedirs(mountpoint, exist_ok=True)
        return ["ceph-fuse", "--conf", self.conf, "-n", "client.admin", f"--pid-file={self.path('pids', name + '.pid')}",
                f"--admin-socket={self.path('run', name + '.asok')}", mountpoint]

    def client_id(self, name):
        """The CephFS client id of a mount (from its admin socket): what `client evict id=` takes."""
        out = run("ceph", "--conf", self.conf, "--admin-daemon", self.path("run", name + ".asok"), "status", env=self.env).stdout
        return str(json.loads(out)["id"])

    # MARK: basalt
    def start_zookeeper(self):
        os.makedirs(self.path("zk"), exist_ok=True)
        with open(self.path("zk", "zoo.cfg"), "w") as f:
            f.write(f"tickTime=500\ndataDir={self.path('zk')}\nclientPortAddress={ROOT_IP}\nclientPort={ZK_PORT}\n"
                    "admin.enableServer=false\n4lw.commands.whitelist=*\nmaxClientCnxns=0\nmaxSessionTimeout=60000\n")
        out = open(self.path("log", "zookeeper.log"), "w")
        self.procs["zookeeper"] = subprocess.Popen(
            ["java", "-Xmx256m", "-XX:+UseSerialGC", "-Dbasalt.testbed.zookeeper=1", "-cp", ZK_CLASSPATH,
             "org.apache.zookeeper.server.ZooKeeperServerMain", self.path("zk", "zoo.cfg")], stdout=out, stderr=subprocess.STDOUT)

        def ok():
            try:
                with socket.create_connection((ROOT_IP, ZK_PORT), 1) as s:
                    s.sendall(b"ruok")
                    return s.recv(4) == b"imok"
            except OSError:
                return False
        self.wait(ok, 60, "ZooKeeper")

    def basalt_defines(self):
        return ["-D", f"hbase.zookeeper.quorum={ROOT_IP}:{ZK_PORT}"]

    def start_master(self):
        mnt = self.path("mnt", "master")
        run(*self.mount_command(mnt, "fuse-master"), env=self.env)
        self.wait(lambda: os.path.ismount(mnt), 30, "the master's CephFS mount")
        out = open(self.path("log", "master.out"), "w")
        err = open(self.path("log", "master.log"), "w")
        self.procs["master"] = subprocess.Popen(
            [self.basalt, "master", "--root", os.path.join(mnt, "basalt"), *self.basalt_defines(),
             "-D", f"hbase.master.hostname={ROOT_IP}", "-D", f"hbase.master.port={MASTER_PORT}",
             "-D", f"basalt.fs.fence.command=ceph --conf {self.conf} --connect-timeout 10 tell mds.* client evict id={{owner}}"],
            stdout=out, stderr=err, env=self.env)

    def start_region_server(self, n):
        """In host n: mount CephFS, learn the mount's client id, then run the region server on the mount
        (one invocation, so both share the mount namespace `ip netns exec` makes)."""
        name = f"fuse-rs{n}"
        mnt = self.path("mnt", f"rs{n}")
        os.makedirs(mnt, exist_ok=True)
        mount = " ".join(self.mount_command(mnt, name))
        script = (
            f"set -e; {mount}; for i in $(seq 100); do mountpoint -q {mnt} && break; sleep 0.1; done; "
            f"id=$(ceph --conf {self.conf} --admin-daemon {self.path('run', name + '.asok')} status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"id\"])'); "
            f"echo client $id >&2; "
            f"exec {self.basalt} regionserver --root {mnt}/basalt {' '.join(self.basalt_defines())} "
            f"-D hbase.regionserver.hostname={host_ip(n)} -D hbase.regionserver.port={RS_PORT} -D basalt.fs.fence.owner=$id")
        out = open(self.path("log", f"regionserver-{n}.out"), "w")
        err = open(self.path("log", f"regionserver-{n}.log"), "w")
        self.procs[f"regionserver-{n}"] = subprocess.Popen(self.netns(n, "sh", "-c", script), stdout=out, stderr=err, env=self.env)

    def probe(self):
        """What Basalt's FileSystem needs of a shared root, checked across two mounts (the master's, and
        region server 4's through its mount namespace): fsync of a folder, a WAL file's zeros written
        ahead then overwritten and synced, truncate, rename and hard link. Returns problems found."""
        base = os.path.join(self.path("mnt", "master"), "probe")
        other = os.path.join(self.path("mnt", "rs4"), "probe")
        rs_pid = self.procs["regionserver-4"].pid
        problems = []

        def remote(*args):
            return run("nsenter", "-t", str(rs_pid), "-m", "-n", *args, check=False).stdout
        os.makedirs(base, exist_ok=True)
        dfd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        except OSError as e:
            problems.append(f"fsync of a folder failed: {e}")
        path = os.path.join(base, "wal")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, b"\0" * (1 << 20))
        os.fdatasync(fd)
        os.pwrite(fd, b"entry-" * 10, 4096)
        os.fdatasync(fd)
        seen = remote("python3", "-c", f"import os; f=open('{other}/wal','rb'); f.seek(4096); print(f.read(60).decode(), os.path.getsize('{other}/wal'))")
        if seen.split() != ["entry-" * 10, str(1 << 20)]:
            problems.append(f"a synced overwrite of written-ahead zeros was not seen by another mount: {seen!r}")
        os.ftruncate(fd, 4096 + 60)
        os.fsync(fd)
        os.close(fd)
        seen = remote("stat", "-c", "%s", f"{other}/wal").strip()
        if seen != str(4096 + 60):
            problems.append(f"truncate was not seen by another mount: size {seen!r}")
        os.rename(path, path + ".done")
        os.link(path + ".done", path + ".link")
        os.fsync(dfd)
        os.close(dfd)
        seen = remote("stat", "-c", "%h", f"{other}/wal.done").strip()
        if seen != "2":
            problems.append(f"rename and hard link were not seen by another mount: nlink {seen!r}")
        return problems

    # The hosts, bridge and addresses are fixed: one testbed per machine at a time.
    LOCK = "/run/basalt-cephfs-testbed.lock"
    _lock_fd = None

    def up(self):
        if Testbed._lock_fd is None:
            Testbed._lock_fd = os.open(Testbed.LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(Testbed._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(Testbed._lock_fd)
                Testbed._lock_fd = None
                raise RuntimeError(f"another CephFS testbed runs on this machine ({Testbed.LOCK} is locked)")
        install_packages()
        self.down(quiet=True)
        os.makedirs(self.dir, exist_ok=True)
        started = time.monotonic()
        self.make_hosts()
        self.start_ceph()
        log(f"Ceph: 3 monitors, 3 OSDs, CephFS active ({time.monotonic() - started:.1f} s)")
        self.start_zookeeper()
        for n in SERVER_HOSTS:
            self.start_region_server(n)
        self.start_master()
        self.wait(lambda: "active" in open(self.path("log", "master.out")).read(), 90, "the master to be active")
        self.wait(lambda: all("serving" in open(self.path("log", f"regionserver-{n}.out")).read() for n in SERVER_HOSTS), 60,
                  "the region servers to serve")
        log(f"Basalt: master on {ROOT_IP}:{MASTER_PORT}, region servers on {', '.join(host_ip(n) for n in SERVER_HOSTS)} "
            f"({time.monotonic() - started:.1f} s in all)")

    def down(self, quiet=False):
        for name, p in list(self.procs.items()):
            if p.poll() is None:
                p.terminate()
        for name, p in list(self.procs.items()):
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.procs.clear()
        for n in SERVER_HOSTS + STORAGE_HOSTS:
            self.kill_host(n) if os.path.exists(f"/run/netns/{host(n)}") else None
        pids = self.path("pids")
        if os.path.isdir(pids):
            for f in os.listdir(pids):
                try:
                    os.kill(int(open(os.path.join(pids, f)).read().strip()), signal.SIGKILL)
                except (ValueError, ProcessLookupError, OSError):
                    pass
        subprocess.run(["pkill", "-9", "-f", "basalt.testbed.zookeeper"], capture_output=True)
        # Whatever else names this testbed's folder (a master, a load, a daemon left by an earlier `up`).
        subprocess.run(["pkill", "-9", "-f", self.dir + "/"], capture_output=True)
        mnt = self.path("mnt")
        if os.path.isdir(mnt):
            for m in os.listdir(mnt):
                subprocess.run(["umount", "-l", os.path.join(mnt, m)], capture_output=True)
        self.remove_hosts()
        if not quiet:
            log("stopped")

    @staticmethod
    def wait(predicate, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return
            except Exception:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"timed out after {seconds} s waiting for {what}")


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("up", "down"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    basalt = ".build/debug/basalt"
    if "--basalt" in sys.argv:
        basalt = sys.argv[sys.argv.index("--basalt") + 1]
    why = missing_requirements()
    if why:
        print(f"testbed: cannot run here: {why}", file=sys.stderr)
        sys.exit(1)
    bed = Testbed(sys.argv[2], basalt)
    if sys.argv[1] == "up":
        bed.up()
        # The processes this script started outlive it only if it does not wait: detach them.
        print(json.dumps({name: p.pid for name, p in bed.procs.items()}))
    else:
        bed.down()


if __name__ == "__main__":
    main()
