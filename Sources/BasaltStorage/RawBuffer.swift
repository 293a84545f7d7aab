/// A growable byte buffer on manually managed memory, for hot paths that write encoded bytes in place
/// (the WAL's pending group). Not thread-safe: its owner guards it.
final class RawBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Makes room for `n` more bytes and returns where they go; the caller then adds `n` to `count`.
    @inline(__always)
    func reserve(_ n: Int) -> UnsafeMutableRawPointer {
        if count + n > capacity { grow(to: count + n) }
        return base + count
    }

    private func grow(to needed: Int) {
        var c = capacity
        while c < needed { c *= 2 }
        let nb = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
        nb.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = nb
        capacity = c
    }

    @inline(__always) func append(_ bytes: UnsafeRawBufferPointer) {
        guard let src = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count).copyMemory(from: src, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always) func appendUInt64(_ v: UInt64) {
        reserve(8).storeBytes(of: v.littleEndian, as: UInt64.self)
        count += 8
    }

    @inline(__always) func appendVarint(_ value: UInt64) {
        var v = value
        let p = reserve(10)
        var i = 0
        while v >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: i, as: UInt8.self)
            v >>= 7
            i += 1
        }
        p.storeBytes(of: UInt8(v), toByteOffset: i, as: UInt8.self)
        count += i + 1
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Drops the contents; shrinks back when a burst left the buffer much larger than usual.
    func reset(shrinkAbove: Int) {
        count = 0
        if capacity > shrinkAbove {
            base.deallocate()
            capacity = shrinkAbove
            base = .allocate(byteCount: capacity, alignment: 16)
        }
    }
}
