import Testing
@testable import LedgerCore
import TestSupport

@Suite struct CanonicalJSONTests {
    func canon(_ text: String) throws -> String {
        String(decoding: CanonicalJSON.encode(try JSONParser.parse(Array(text.utf8))), as: UTF8.self)
    }

    @Test func sortsKeysByUTF16CodeUnits() throws {
        // RFC 8785 section 3.2.3's sorting example: UTF-16 order puts U+1F600 (a surrogate pair,
        // 0xD83D...) before U+20AC, unlike code-point or UTF-8 order.
        let input = #"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#
        let keys = try JSONParser.parse(Array(input.utf8)).objectValue!.keys
        #expect(keys == ["\r", "1", "\u{80}", "\u{f6}", "\u{20ac}", "\u{1F600}", "\u{fb33}"])
    }

    /// A record written member by member is byte for byte the canonical encoding of the same
    /// object, whatever its values: strings needing escapes or outside ASCII, integers at the
    /// limits, booleans, timestamps and digests, with any members left out.
    @Test func aCanonicalRecordIsTheCanonicalEncodingOfItsObject() throws {
        var rng = SplitMix64(seed: 8785)
        let texts = ["", "p-7f3a91", "quote \" and \\ back", "tab\tnew\nline\u{1}", "é €😀", "/", "2026-11-21"]
        let ints: [Int64] = [0, 1, -1, 42, JSONValue.maxSafeInteger, -JSONValue.maxSafeInteger]
        for _ in 0..<500 {
            var record = CanonicalRecord(capacity: 8)
            var object = JSONObject()
            if Bool.random(using: &rng) { let s = texts.randomElement(using: &rng)!; record.string("account", s); object["account"] = .string(s) }
            if Bool.random(using: &rng) { let i = ints.randomElement(using: &rng)!; record.int("amount", i); object["amount"] = .int(i) }
            if Bool.random(using: &rng) {
                let t = Timestamp(millisecondsSinceEpoch: Int64.random(in: 0...Timestamp.maximum.millisecondsSinceEpoch, using: &rng))
                record.time("end", t); object["end"] = .string(t.rfc3339)
            }
            if Bool.random(using: &rng) {
                let d = Digest(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })!
                record.hex("leaf", d); object["leaf"] = .string(d.hex)
            }
            if Bool.random(using: &rng) { let b = Bool.random(using: &rng); record.bool("qualitative", b); object["qualitative"] = .bool(b) }
            if Bool.random(using: &rng) { let s = texts.randomElement(using: &rng)!; record.string("scenario", s); object["scenario"] = .string(s) }
            #expect(record.finish() == CanonicalJSON.encode(.object(object)), "\(object)")
        }
    }

    @Test func escapesOnlyWhatJCSEscapes() throws {
        #expect(try canon(#"["\u0041\/\"\\\b\f\n\r\t\u0001\u001f\u007f\u2028é"]"#) ==
                "[\"A/\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f}\u{2028}é\"]")
    }

    @Test func removesWhitespaceAndKeepsIntegers() throws {
        #expect(try canon(" { \"b\" : [ 1 , -2 , 0 , 9007199254740991 , -9007199254740991 ] , \"a\" : { } , \"c\" : null , \"d\" : true } ") ==
                #"{"a":{},"b":[1,-2,0,9007199254740991,-9007199254740991],"c":null,"d":true}"#)
        #expect(try canon("-0") == "0")
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "duplicate"),
        (#"{"b":1,"a":2,"b":3}"#, "duplicate"),
        ("1.0", "integer"), ("1e3", "integer"), ("1E3", "integer"), ("0.5", "integer"),
        ("9007199254740992", "outside"), ("-9007199254740992", "outside"), ("123456789012345678901234567890", "outside"),
        ("01", "unexpected"), ("+1", "unexpected"), ("-", "end"), ("[1,]", "unexpected"), ("{\"a\"}", "unexpected"),
        ("\"\\ud800\"", "surrogate"), ("\"\\udc00\"", "surrogate"), ("\"\\ud800\\u0041\"", "surrogate"),
        ("\"\\x\"", "escape"), ("\"\\u12G4\"", "escape"), ("\"a\u{01}b\"", "control"), ("\"abc", "end"),
        ("[1] 2", "after"), ("", "end"), ("nul", "end"), ("tru e", "unexpected"), ("NaN", "unexpected"),
    ])
    func rejectsBadJSON(input: String, reasonFragment: String) {
        #expect {
            _ = try JSONParser.parse(Array(input.utf8))
        } throws: { ($0 as? JSONError)?.description.lowercased().contains(reasonFragment) == true }
    }

    @Test func rejectsInvalidUTF8() throws {
        for bad: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] {
            #expect(throws: JSONError.invalidUTF8(offset: 1)) { _ = try JSONParser.parse(bad) }
        }
        // After an ASCII prefix, and as a member name (ASCII strings take a path of their own).
        #expect(throws: JSONError.invalidUTF8(offset: 1)) { _ = try JSONParser.parse(Array("\"abc".utf8) + [0xFF, 0x22]) }
        #expect(throws: JSONError.invalidUTF8(offset: 2)) { _ = try JSONParser.parse(Array("{\"k".utf8) + [0xC3] + Array("\":1}".utf8)) }
        #expect(try JSONParser.parse(Array(#"{"k\u007f~":"a\u007f","é":"碳"}"#.utf8)) == ["k\u{7f}~": "a\u{7f}", "é": "碳"])
    }

    @Test func limitsNestingDepth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(Array(ok.utf8))
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONError.nestingTooDeep(offset: 64, limit: 64)) { _ = try JSONParser.parse(Array(deep.utf8)) }
        let deepObj = String(repeating: "{\"a\":", count: 1000) + "1" + String(repeating: "}", count: 1000)
        #expect { _ = try JSONParser.parse(Array(deepObj.utf8)) } throws: { if case JSONError.nestingTooDeep = $0 { return true }; return false }
    }

    @Test func refusesHugeNumbersAndDeepSubmissionsWithTypedErrors() throws {
        // A million digits: refused as out of range, not parsed into anything.
        let digits = Array(String(repeating: "9", count: 1_000_000).utf8)
        #expect { _ = try JSONParser.parse(digits) } throws: { ($0 as? JSONError)?.description.contains("outside") == true }
        #expect { _ = try JSONParser.parse(Array("-0.".utf8) + digits) } throws: { $0 is JSONError }
        // Nesting inside a submission's event: the submission decoder names the JSON error.
        let deep = "{\"events\":[" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "]}"
        #expect { _ = try Submission.decode(Array(deep.utf8)) } throws: {
            if case SubmissionError.notJSON(.nestingTooDeep) = $0 { return true }; return false
        }
    }

    @Test func handlesTenMegabyteStrings() throws {
        let big = String(repeating: "碳", count: 3_500_000)  // 10.5 MB of UTF-8
        let doc = Array(("{\"s\":\"" + big + "\"}").utf8)
        let v = try JSONParser.parseCanonical(doc)
        #expect(v["s"]?.stringValue?.utf8.count == 10_500_000)
        #expect(throws: JSONError.tooLarge(bytes: doc.count, limit: 1 << 20)) {
            _ = try JSONParser.parse(doc, limits: .init(maxBytes: 1 << 20))
        }
    }

    @Test(arguments: [
        #"{"b":1,"a":2}"#, #"{"a": 1}"#, " 1", "1 ", #"["\u0041"]"#, #"["\/"]"#, "-0", #"{"a":"\u00e9"}"#, "[1,2 ]",
    ])
    func parseCanonicalRejectsOtherSpellings(input: String) {
        #expect { _ = try JSONParser.parseCanonical(Array(input.utf8)) } throws: {
            if case JSONError.notCanonical = $0 { return true }; return false
        }
    }

    @Test func parseCanonicalAcceptsCanonical() throws {
        for s in [#"{"a":2,"b":1}"#, "[]", "{}", #""é\n""#, "-5", #"[null,true,false,{"":0}]"#] {
            #expect(CanonicalJSON.encode(try JSONParser.parseCanonical(Array(s.utf8))) == Array(s.utf8))
        }
    }

    @Test func randomValuesRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let v = randomValue(&rng, depth: 0)
            let bytes = CanonicalJSON.encode(v)
            let back = try JSONParser.parseCanonical(bytes)
            #expect(CanonicalJSON.encode(back) == bytes)
            #expect(back == v)
        }
    }

    @Test func objectSubscriptKeepsOrderAndUniqueness() {
        var o = JSONObject()
        o["b"] = 1; o["a"] = 2; o["c"] = 3; o["a"] = 4; o["c"] = nil
        #expect(o.keys == ["a", "b"])
        #expect(o["a"] == 4)
    }

    /// Lookups, writes, removals and `add` against a dictionary, with keys that differ first in
    /// an ASCII byte, in a non-ASCII one, and where UTF-8 and UTF-16 order disagree (U+FFFF
    /// against U+10000); after every operation the members are in UTF-16 order and every key
    /// reads as the model says.
    @Test func objectLookupsAgreeWithADictionary() {
        var rng = SplitMix64(seed: 6962)
        let keys = ["", "a", "ab", "b", "credited_mg", "credited", "Z", "é", "éa", "\u{20ac}",
                    "\u{FFFF}", "\u{10000}", "a\u{FFFF}", "a\u{10000}", "碳", "碳普惠", "\u{1F600}x"]
        var object = JSONObject(), model: [String: Int64] = [:]
        for step in 0..<20_000 {
            let k = keys.randomElement(using: &rng)!
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: object[k] = .int(Int64(step)); model[k] = Int64(step)
            case 1: object[k] = nil; model[k] = nil
            case 2: object.add(3, to: k); model[k, default: 0] += 3
            default: break
            }
            let utf16 = object.keys.map { Array($0.utf16) }
            #expect(zip(utf16, utf16.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }, "step \(step): \(object.keys)")
            #expect(object.count == model.count)
            for key in keys { #expect(object[key]?.intValue == model[key], "step \(step): \(key)") }
        }
    }

    /// Literals and `KeyValuePairs` are built by one sort, not by inserting member by member:
    /// the result must be the same object, duplicates resolved to the last value given.
    @Test func objectsBuiltFromUnorderedMembersEqualInsertedOnes() {
        var rng = SplitMix64(seed: 7)
        let keys = ["a", "b", "ab", "", "é", "\u{20ac}", "\u{1F600}", "\u{fb33}", "Z", "a\u{0}"]
        for _ in 0..<3000 {
            let pairs: [(String, JSONValue)] = (0..<Int.random(in: 0...12, using: &rng)).map { i in
                (keys.randomElement(using: &rng)!, .int(Int64(i)))
            }
            var inserted = JSONObject()
            for (k, v) in pairs { inserted[k] = v }
            let built = JSONObject(unordered: pairs, count: pairs.count)
            #expect(built == inserted, "\(pairs)")
            #expect(CanonicalJSON.encode(.object(built)) == CanonicalJSON.encode(.object(inserted)))
        }
        let literal: JSONValue = ["b": 1, "a": 2, "b": 3]
        #expect(CanonicalJSON.string(literal) == #"{"a":2,"b":3}"#)
    }
}

func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
    let scalars: [Unicode.Scalar] = ["a", "Z", "0", "\"", "\\", "\u{0}", "\u{1f}", "\n", "\u{7f}", "é", "碳", "\u{1F600}", "\u{2028}", "\u{FFFF}"]
    func str() -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...6, using: &rng) { s.append(scalars.randomElement(using: &rng)!) }
        return String(s)
    }
    switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &rng) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .int(Int64.random(in: -JSONValue.maxSafeInteger...JSONValue.maxSafeInteger, using: &rng))
    case 3: return .string(str())
    case 4: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
        var o = JSONObject()
        for _ in 0..<Int.random(in: 0...4, using: &rng) { o[str()] = randomValue(&rng, depth: depth + 1) }
        return .object(o)
    }
}
