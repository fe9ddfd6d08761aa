import Testing
@testable import LedgerCore

/// SPEC.md 8.16's serial grammar, the one the reducer, certificates and lookups share.
@Suite struct SerialNumberTests {
    @Test func readingsCandidatesAndAmbiguousIDs() {
        let p = SerialNumber.prefix(region: "440300", project: "sz-metro-trips", vintage: "2026", batch: "202612-b1")
        #expect(p == "CN-440300-sz-metro-trips-2026-202612-b1")
        #expect(SerialNumber.readings(p + "-7").map { "\($0.prefix)|\($0.first)-\($0.last)" } == [p + "|7-7"])
        #expect(SerialNumber.readings(p + "-3-9").map { "\($0.prefix)|\($0.first)-\($0.last)" } == [p + "-3|9-9", p + "|3-9"])
        #expect(SerialNumber.readings(p).isEmpty && SerialNumber.readings(p + "-").isEmpty && SerialNumber.readings(p + "-99999999999999999999").isEmpty)
        #expect(SerialNumber.readings(p + "-9007199254740992").isEmpty && SerialNumber.readings(p + "-9007199254740991").count == 1)
        #expect(SerialNumber.candidateBatchIDs(p) == ["trips-2026-202612-b1", "2026-202612-b1", "202612-b1", "b1"])
        #expect(SerialNumber.candidateBatchIDs("CN-440300-x-2026").isEmpty)
        for id in ["b-1", "2026", "b1-202612", "a--7"] { #expect(SerialNumber.isAmbiguousBatchID(id), "\(id)") }
        for id in ["b1", "202612-b1", "b-1x", "b-", "b-1.2"] { #expect(!SerialNumber.isAmbiguousBatchID(id), "\(id)") }
    }
}
