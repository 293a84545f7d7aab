#!/usr/bin/env python3
"""Checks Basalt's Thrift gateway with thriftpy2 in every protocol and transport one port accepts:
binary (strict and non-strict) and compact, each buffered and framed. The IDL is happybase's copy,
loaded from the installed happybase package. Usage: thrift_protocols_check.py PORT"""
import os
import sys
import struct
import time

import happybase
import thriftpy2
from thriftpy2.protocol import TBinaryProtocolFactory, TCompactProtocolFactory
from thriftpy2.rpc import make_client
from thriftpy2.transport import TBufferedTransportFactory, TFramedTransportFactory

Hbase = thriftpy2.load(os.path.join(os.path.dirname(happybase.__file__), "Hbase.thrift"), module_name="Hbase_thrift")

MODES = [
    ("binary-strict", TBinaryProtocolFactory(), False),
    ("binary-nonstrict", TBinaryProtocolFactory(strict_read=False, strict_write=False), False),
    ("compact", TCompactProtocolFactory(), False),
]
TRANSPORTS = [("buffered", TBufferedTransportFactory()), ("framed", TFramedTransportFactory())]


def check(client, table):
    """One round of calls; raises AssertionError on a wrong answer."""
    if table in client.getTableNames():
        client.disableTable(table)
        client.deleteTable(table)
    client.createTable(table, [Hbase.ColumnDescriptor(name=b"f:", maxVersions=3), Hbase.ColumnDescriptor(name=b"g:")])
    try:
        client.createTable(table, [Hbase.ColumnDescriptor(name=b"f:")])
        raise AssertionError("createTable of an existing table did not raise AlreadyExists")
    except Hbase.AlreadyExists:
        pass
    families = client.getColumnDescriptors(table)
    assert sorted(families) == [b"f:", b"g:"], families
    assert families[b"f:"].maxVersions == 3

    rows = [Hbase.BatchMutation(row=b"r%03d" % i, mutations=[
        Hbase.Mutation(column=b"f:a", value=b"v%d" % i),
        Hbase.Mutation(column=b"g:b", value=("\u00e9t\u00e9 %d" % i).encode("utf-8")),
    ]) for i in range(300)]
    client.mutateRows(table, rows, {})
    client.mutateRowTs(table, b"old", [Hbase.Mutation(column=b"f:a", value=b"x")], 1000, {})
    client.mutateRowTs(table, b"old", [Hbase.Mutation(column=b"f:a", value=b"y")], 2000, {})

    got = client.getRowWithColumns(table, b"r007", [b"f:a"], {})
    assert len(got) == 1 and got[0].columns[b"f:a"].value == b"v7", got
    assert client.getRow(table, b"missing", {}) == []
    assert [c.value for c in client.getVer(table, b"old", b"f:a", 5, {})] == [b"y", b"x"]
    assert [c.value for c in client.getVerTs(table, b"old", b"f:a", 2000, 5, {})] == [b"x"]
    assert client.get(table, b"r010", b"g:b", {})[0].value.decode("utf-8") == "\u00e9t\u00e9 10"

    # Counters: 8-byte big-endian, negative deltas, large values (multi-byte varints in compact).
    assert client.atomicIncrement(table, b"ctr", b"f:n", 5) == 5
    assert client.atomicIncrement(table, b"ctr", b"f:n", -7) == -2
    assert client.atomicIncrement(table, b"ctr", b"f:n", 1 << 40) == (1 << 40) - 2
    assert client.get(table, b"ctr", b"f:n", {})[0].value == struct.pack(">q", (1 << 40) - 2)

    sid = client.scannerOpenWithScan(table, Hbase.TScan(startRow=b"r100", stopRow=b"r200", columns=[b"f"], caching=50), {})
    seen = []
    while True:
        part = client.scannerGetList(sid, 37)
        if not part:
            break
        seen.extend(part)
    client.scannerClose(sid)
    assert [r.row for r in seen] == [b"r%03d" % i for i in range(100, 200)], [r.row for r in seen][:5]
    assert all(list(r.columns) == [b"f:a"] for r in seen)
    try:
        client.scannerGet(sid)
        raise AssertionError("a closed scanner id did not raise IllegalArgument")
    except Hbase.IllegalArgument:
        pass

    sid = client.scannerOpenWithScan(table, Hbase.TScan(startRow=b"r299", stopRow=b"r290", reversed=True, sortColumns=True), {})
    back = client.scannerGetList(sid, 100)
    client.scannerClose(sid)
    assert [r.row for r in back] == [b"r%03d" % i for i in range(299, 290, -1)], [r.row for r in back]
    assert [c.columnName for c in back[0].sortedColumns] == [b"f:a", b"g:b"]

    sid = client.scannerOpenWithScan(table, Hbase.TScan(filterString=b"PrefixFilter('r05') AND SingleColumnValueFilter('f', 'a', =, 'binary:v55')"), {})
    assert [r.row for r in client.scannerGetList(sid, 100)] == [b"r055"]
    client.scannerClose(sid)

    client.deleteAll(table, b"r001", b"g", {})
    assert list(client.getRow(table, b"r001", {})[0].columns) == [b"f:a"]
    client.deleteAllRow(table, b"r001", {})
    assert client.getRow(table, b"r001", {}) == []
    assert client.checkAndPut(table, b"cp", b"f:a", None, Hbase.Mutation(column=b"f:a", value=b"1"), {}) is True
    assert client.checkAndPut(table, b"cp", b"f:a", b"2", Hbase.Mutation(column=b"f:a", value=b"3"), {}) is False

    try:
        client.getRow(b"no_such_table_here", b"r", {})
        raise AssertionError("a read of a missing table did not raise IOError")
    except Hbase.IOError:
        pass
    assert len(client.getTableRegions(table)) >= 1
    client.disableTable(table)
    assert client.isTableEnabled(table) is False
    client.deleteTable(table)


def main():
    port = int(sys.argv[1])
    passed = failed = 0
    for pname, pfactory, _ in MODES:
        for tname, tfactory in TRANSPORTS:
            name = "%s/%s" % (pname, tname)
            started = time.monotonic()
            try:
                client = make_client(Hbase.Hbase, "127.0.0.1", port, proto_factory=pfactory, trans_factory=tfactory, timeout=60000)
                try:
                    check(client, ("protocols_" + pname.replace("-", "_") + "_" + tname).encode())
                finally:
                    client.close()
                passed += 1
                print("PASS %-24s %.2fs" % (name, time.monotonic() - started))
            except Exception as e:  # a failed check names the mode and what went wrong
                failed += 1
                print("FAIL %-24s %r" % (name, e))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
