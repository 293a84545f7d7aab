import Testing
@testable import BasaltStorage

@Suite struct RegionSequenceIdsTests {
    /// Switching between regions keeps each one's highest id, whichever region came last.
    @Test func keepsTheHighestIdPerRegionAcrossSwitches() {
        let a: [UInt8] = Array("region-a".utf8), b: [UInt8] = Array("region-b".utf8)
        var ids = RegionSequenceIds()
        ids.note(a, 5)
        ids.note(a, 3)
        ids.note(b, 7)
        ids.note(Array("region-a".utf8), 4)  // equal bytes, another array
        ids.note(b, 9)
        #expect(ids.dictionary == [a: 5, b: 9])
        var seen: [[UInt8]: UInt64] = [:]
        ids.forEach { r, s in
            #expect(seen[r] == nil)
            seen[r] = s
        }
        #expect(seen == [a: 5, b: 9])
        ids.removeAll()
        #expect(ids.dictionary.isEmpty)
    }
}
