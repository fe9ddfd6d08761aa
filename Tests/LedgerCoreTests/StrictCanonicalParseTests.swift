import Testing
@testable import LedgerCore
import TestSupport

/// `parseCanonical` takes one strict pass and falls back to parsing and encoding again only for
/// what that pass refuses: whatever the input, it must answer as the reference (parse, encode,
/// compare) does, value or error; the strict pass must never accept a byte string that is not
/// its own canonical encoding; and it must accept every canonical string without an escape (the
/// ledger's own bytes), or the fast path is never taken.
@Suite struct StrictCanonicalParseTests {
    /// The reference, written out here: parse leniently, encode, name the first byte that differs.
    func reference(_ bytes: [UInt8]) -> Result<JSONValue, JSONError> {
        Result { () throws(JSONError) -> JSONValue in
            let v = try JSONParser.parse(bytes)
            let c = CanonicalJSON.encode(v)
            if let k = zip(bytes, c).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset { throw .notCanonical(offset: k) }
            if bytes.count != c.count { throw .notCanonical(offset: min(bytes.count, c.count)) }
            return v
        }
    }

    func expectAgrees(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let strict = JSONParser.parseStrictlyCanonical(bytes) {
            #expect(CanonicalJSON.encode(strict) == bytes, "the strict pass accepted \(text)", sourceLocation: sourceLocation)
        }
        let got = Result { () throws(JSONError) in try JSONParser.parseCanonical(bytes) }
        #expect(got == reference(bytes), "\(text)", sourceLocation: sourceLocation)
    }

    /// Near misses of canonical bytes, each refused by the strict pass, with the reference's error.
    @Test(arguments: [
        #"{"a": 1}"#, " {}", "{} ", "[1, 2]", "{\n}", #"{"b":1,"a":2}"#, #"{"a":1,"a":1}"#, "-0", "[-0]", #"{"a":-0}"#,
        #"["\/"]"#, #"["\u0041"]"#, #"["\u001F"]"#, #"["\u00e9"]"#, #"["\n"]"#, #"{"\u0061":1}"#, "01", "1.0", "[1,]",
    ])
    func nearMissesGoTheReferenceWay(input: String) {
        let bytes = Array(input.utf8)
        #expect(JSONParser.parseStrictlyCanonical(bytes) == nil, "the strict pass accepted \(input)")
        expectAgrees(bytes)
    }

    /// Canonical strings with escapes are canonical: refused by the strict pass, accepted by the
    /// reference, so accepted.
    @Test func escapedCanonicalStringsAreAccepted() throws {
        for s in [#"["\"\\\b\f\n\r\t\u0001\u001f"]"#, #"{"a\"":"\\"}"#] {
            let bytes = Array(s.utf8)
            #expect(JSONParser.parseStrictlyCanonical(bytes) == nil)
            #expect(CanonicalJSON.encode(try JSONParser.parseCanonical(bytes)) == bytes)
        }
    }

    /// Random values' canonical bytes, and those bytes edited in the ways a non-canonical
    /// spelling differs (space inserted, a byte dropped, doubled or changed, two bytes swapped,
    /// a minus before a zero): every result agrees with the reference, and every canonical
    /// encoding without a backslash passes the strict pass.
    @Test func randomDocumentsAndTheirEditsAgreeWithTheReference() {
        var rng = SplitMix64(seed: 8259)
        var strictAccepted = 0
        for _ in 0..<3000 {
            let v = randomValue(&rng, depth: 0)
            let bytes = CanonicalJSON.encode(v)
            if !bytes.contains(UInt8(ascii: "\\")) {
                #expect(JSONParser.parseStrictlyCanonical(bytes) == v, "\(String(decoding: bytes, as: UTF8.self))")
                strictAccepted += 1
            }
            expectAgrees(bytes)
            guard !bytes.isEmpty else { continue }
            for _ in 0..<4 {
                var edited = bytes
                let k = Int.random(in: 0..<edited.count, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: edited.insert([0x20, 0x0A, 0x09, 0x0D].randomElement(using: &rng)!, at: Int.random(in: 0...edited.count, using: &rng))
                case 1: edited.remove(at: k)
                case 2: edited.insert(edited[k], at: k)
                case 3: edited[k] = UInt8.random(in: 0...255, using: &rng)
                case 4: if k + 1 < edited.count { edited.swapAt(k, k + 1) }
                default: edited.insert(UInt8(ascii: "-"), at: edited.firstIndex(of: UInt8(ascii: "0")) ?? k)
                }
                expectAgrees(edited)
            }
        }
        #expect(strictAccepted > 1000)
    }

    /// Members swapped in an object: refused by the strict pass, named by the reference.
    @Test func membersOutOfOrderAreNotCanonical() {
        let swapped = Array(#"{"credited_mg":5,"account":"r-1"}"#.utf8)
        #expect(JSONParser.parseStrictlyCanonical(swapped) == nil)
        #expect(throws: JSONError.notCanonical(offset: 2)) { _ = try JSONParser.parseCanonical(swapped) }
    }

    /// The ranges of a top-level object's member values hold each value's canonical bytes, on
    /// the strict path and on the reference path (an escaped string); none for other documents.
    @Test func memberRangesHoldEachValuesCanonicalBytes() throws {
        var rng = SplitMix64(seed: 6962)
        for n in 0..<500 {
            var o = JSONObject()
            for k in 0..<Int.random(in: 0...5, using: &rng) { o["k\(k)"] = randomValue(&rng, depth: 1) }
            if n % 7 == 0 { o["escaped"] = "quote \" here" }
            let bytes = CanonicalJSON.encode(.object(o))
            let (value, ranges) = try JSONParser.parseCanonicalMembers(bytes)
            #expect(value == .object(o))
            #expect(ranges.map { Array(bytes[$0]) } == o.members.map { CanonicalJSON.encode($0.value) })
        }
        #expect(try JSONParser.parseCanonicalMembers(Array("[1,{}]".utf8)).valueRanges.isEmpty)
    }
}
