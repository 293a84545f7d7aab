#!/usr/bin/env python3
"""The operator's eyes, checked with tools nobody here wrote, against a real `basalt start`:

1. The master's and the region server's status pages, rendered by headless Chromium (Debian's
   `chromium`), name the tables, every region of a 1,000-region table, and the servers; a screenshot
   of each page, at a phone's width and a wide screen's, is kept under the artifacts folder.
2. `/prometheus` of both passes `promtool check metrics` (Debian's `prometheus`), and its request
   counters move with load.
3. `/jmx` parses as JSON with HBase's bean names; `/conf`, `/dump` and a 404 answer.
4. `basalt canary` reads every region and exits 0.

Usage: info_pages_check.py path/to/basalt [artifacts-folder]. Exits non-zero on the first failed check.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REGIONS = 1000


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print("ok: " + message, flush=True)


def fetch(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=30) as r:
            return r.status, r.read().decode(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers.get("Content-Type", "")


def chromium(url, args):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        fail("chromium is not installed (scripts/test installs Debian's chromium)")
    base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--no-first-run", "--user-data-dir=" + tempfile.mkdtemp(prefix="basalt-chromium-")]
    r = subprocess.run(base + args + [url], capture_output=True, timeout=120)
    if r.returncode != 0:
        fail("chromium failed on %s: %s" % (url, r.stderr.decode()[-2000:]))
    return r.stdout.decode()


def promtool(text, what):
    r = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
    check(r.returncode == 0, "promtool check metrics accepts %s's /prometheus %s" % (what, (r.stdout + r.stderr).decode().strip()))


def sample(text, series):
    m = re.search(r"^" + re.escape(series) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def main():
    binary = os.path.abspath(sys.argv[1])
    artifacts = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".build/test-artifacts/info-pages")
    os.makedirs(artifacts, exist_ok=True)
    work = tempfile.mkdtemp(prefix="basalt-info-")
    err = open(os.path.join(work, "basalt.err"), "wb")
    process = subprocess.Popen(
        [binary, "start", "--data", os.path.join(work, "data"), "-D", "hbase.zookeeper.property.clientPort=0",
         "-D", "hbase.master.port=0", "-D", "hbase.regionserver.port=0", "-D", "hbase.regionserver.thrift.port=-1",
         "-D", "hbase.master.info.port=0", "-D", "hbase.regionserver.info.port=0"],
        stdout=subprocess.PIPE, stderr=err)
    try:
        line = process.stdout.readline().decode()
        zk = re.search(r"zookeeper (127\.0\.0\.1:\d+)", line)
        info = re.search(r"info 127\.0\.0\.1:(\d+) 127\.0\.0\.1:(\d+)", line)
        if not zk or not info:
            fail("basalt start printed no ready line with its info ports: %r" % line)
        master, rs = int(info.group(1)), int(info.group(2))
        quorum = "hbase.zookeeper.quorum=" + zk.group(1)

        def shell(script):
            r = subprocess.run([binary, "shell", "-n", "-D", quorum], input=script.encode(), capture_output=True, timeout=600)
            if r.returncode != 0:
                fail("shell failed: %s\n%s" % (script[:200], (r.stdout + r.stderr).decode()[-2000:]))
            return r.stdout.decode()

        started = time.time()
        shell("create 'pages_many', 'f', {NUMREGIONS => %d, SPLITALGO => 'HexStringSplit'}\n" % REGIONS)
        print("created a %d-region table in %.1f s" % (REGIONS, time.time() - started), flush=True)
        shell("create 'pages_small', 'f', SPLITS => ['m', \"\\xFF\\x00\"]\n")

        before = fetch(rs, "/prometheus")[1]
        gets_before = sample(before, 'basalt_regionserver_request_duration_seconds_count{kind="get"}') or 0
        puts = "".join("put 'pages_small', 'row%03d', 'f:q', 'value %d'\n" % (i, i) for i in range(50))
        gets = "".join("get 'pages_small', 'row%03d'\n" % i for i in range(50))
        shell(puts + gets + "scan 'pages_small'\nflush 'pages_small'\n")

        status, text, ctype = fetch(rs, "/prometheus")
        check(status == 200 and ctype.startswith("text/plain"), "the region server serves /prometheus as text")
        promtool(text, "the region server")
        gets_after = sample(text, 'basalt_regionserver_request_duration_seconds_count{kind="get"}')
        check(gets_after is not None and gets_after >= gets_before + 50, "the get counter moved with 50 gets (%s -> %s)" % (gets_before, gets_after))
        check((sample(text, "basalt_regionserver_wal_appends_total") or 0) >= 50, "the WAL append counter moved")
        check((sample(text, "basalt_regionserver_flushes_total") or 0) >= 1, "the flush counter counts the flush")
        promtool(fetch(master, "/prometheus")[1], "the master")

        beans = json.loads(fetch(rs, "/jmx")[1])["beans"]
        names = {b["name"] for b in beans}
        check({"Hadoop:service=HBase,name=RegionServer,sub=Server", "Hadoop:service=HBase,name=RegionServer,sub=Regions"} <= names,
              "the region server's /jmx is JSON with HBase's beans")
        server = next(b for b in beans if b["name"].endswith("sub=Server"))
        check(server["Get_num_ops"] >= 50 and server["regionCount"] >= REGIONS, "its Server bean counts gets and regions")
        mbeans = json.loads(fetch(master, "/jmx")[1])["beans"]
        check({"Hadoop:service=HBase,name=Master,sub=Server", "Hadoop:service=HBase,name=Master,sub=AssignmentManager"} <= {b["name"] for b in mbeans},
              "the master's /jmx is JSON with HBase's beans")

        timings = []
        for _ in range(3):
            t = time.time()
            status, page, _ = fetch(master, "/")
            timings.append(time.time() - t)
        check(status == 200, "the master page answers")
        print("master page with %d regions: %d bytes, best of 3 fetches %.0f ms" % (REGIONS + 5, len(page), min(timings) * 1000), flush=True)

        for name, port in (("master", master), ("regionserver", rs)):
            dom = chromium("http://127.0.0.1:%d/" % port, ["--dump-dom"])
            if name == "master":
                check("pages_many" in dom and "pages_small" in dom and "hbase:meta" in dom, "Chromium renders the master page with the tables")
                encoded = set(re.findall(r"<td>([0-9a-f]{32})</td>", dom))
                check(len(encoded) >= REGIONS + 3, "the master page lists every region (%d encoded names)" % len(encoded))
                check(re.search(r"127\.0\.0\.1,\d+,\d+", dom) is not None, "the master page names the region server")
                check("\\xFF\\x00" in dom, "binary start keys are printed as HBase prints them")
            else:
                check("pages_small" in dom and "Block cache" in dom and "Recent flushes" in dom, "Chromium renders the region server page")
            for size, width, height in (("phone", 390, 844), ("wide", 1600, 1000)):
                shot = os.path.join(artifacts, "%s-%s.png" % (name, size))
                chromium("http://127.0.0.1:%d/" % port, ["--screenshot=" + shot, "--window-size=%d,%d" % (width, height)])
                check(os.path.getsize(shot) > 5000, "a screenshot of the %s page at %s width: %s" % (name, size, shot))

        status, conf, _ = fetch(rs, "/conf")
        check(status == 200 and "<name>hbase.regionserver.info.port</name>" in conf, "/conf lists the configuration")
        status, dump, _ = fetch(rs, "/dump")
        check(status == 200 and "threads (" in dump and "regions (" in dump, "/dump lists threads and regions")
        status, missing, _ = fetch(master, "/nosuch")
        check(status == 404 and "<html" in missing, "an unknown path is an HTML 404")

        r = subprocess.run([binary, "canary", "-D", quorum], capture_output=True, timeout=600)
        out = r.stdout.decode()
        check(r.returncode == 0 and re.search(r"canary: %d regions, 0 failed" % (REGIONS + 3), out) is not None,
              "basalt canary reads every region: %s" % out.strip().splitlines()[-1:])
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("info pages: all checks passed", flush=True)


if __name__ == "__main__":
    main()
