// Basalt's storage engine inside another program: no servers, no network, one folder on disk.
// Run: swift run embedding-example /tmp/basalt-embedded
import BasaltCore
import BasaltSettings
import BasaltStorage
import Foundation

let root = CommandLine.arguments.dropFirst().first ?? NSTemporaryDirectory() + "basalt-embedded"

// Settings: start from the defaults and override HBase's keys, as a region server reads hbase-site.xml.
var conf = BasaltConfiguration()
try conf.apply(definitions: ["hbase.hregion.memstore.flush.size=4194304"])
var settings = try StorageSettings.engine(conf, memory: 256 << 20)
settings.compactionThreads = 1

// The engine owns the WAL, the MemStore memory and the block cache, and runs the flush and compaction
// threads. `serverName` names its WAL folder: one engine per name at a time (the folder is locked).
let engine = try StorageEngine(fileSystem: POSIXFileSystem(), root: root, serverName: "embedded", configuration: settings)

// A table is a descriptor and one or more regions (row ranges); here one region covers every row.
let table = try TableName("users")
let descriptor = try TableDescriptor(name: table, families: [ColumnFamilyDescriptor("profile")])
let region = try engine.openRegion(RegionInfo(table: table, regionId: 1), descriptor: descriptor)

// Writes go to the WAL and the MemStore; SYNC_WAL returns once the WAL has them.
for i in 0..<1_000 {
    var put = Put(row: Array("user\(String(format: "%04d", i))".utf8))
    put.add(family: Array("profile".utf8), qualifier: Array("name".utf8), value: Array("name \(i)".utf8))
    put.durability = .syncWAL
    try region.put(put)
}
var counter = Increment(row: Array("user0007".utf8))
counter.add(family: Array("profile".utf8), qualifier: Array("visits".utf8), amount: 3)
_ = try region.increment(counter)

// A point read, then a range scan; both merge the MemStore and the HFiles.
let row = try region.get(Get(row: Array("user0007".utf8)))
let name = row.value(family: Array("profile".utf8), qualifier: Array("name".utf8)).map { String(decoding: $0, as: UTF8.self) }
print("user0007:", name ?? "missing")

let scanner = try region.scanner(Scan(startRow: Array("user0100".utf8), stopRow: Array("user0105".utf8)))
while let next = try scanner.next() {
    print(String(decoding: next.row, as: UTF8.self), next.cells.count, "cells")
}

// Errors say what went wrong, with a code: an unknown family is refused before anything is written.
do {
    var bad = Put(row: Array("user0001".utf8))
    bad.add(family: Array("nope".utf8), qualifier: [], value: [])
    try region.put(bad)
} catch let error as StorageError {
    print("refused:", error.code)
}

// Flush to an HFile now (the engine also flushes by itself), then close: the next open finds it all.
_ = try engine.flush(region)
print("store files:", region.storeFileCount, "flushes:", engine.counters.flushes)
try engine.close()

let reopened = try StorageEngine(fileSystem: POSIXFileSystem(), root: root, serverName: "embedded", configuration: settings)
let again = try reopened.openRegion(RegionInfo(table: table, regionId: 1), descriptor: descriptor)
print("after reopen, rows:", try again.scanner(Scan()).all().count)
try reopened.close()
