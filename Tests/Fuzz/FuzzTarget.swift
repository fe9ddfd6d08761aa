// libFuzzer entry point for the decoders that read untrusted bytes. Compiled together with
// LedgerCore's sources by Tests/Fuzz/fuzz.sh (`swiftc -sanitize=fuzzer,address`); the target is
// chosen by CARBONLEDGER_FUZZ_TARGET (json, submission, entry, proof), so one build serves all.
// A crash, a hang (libFuzzer's -timeout) or a broken property below is a finding; every refusal
// must arrive as the decoder's typed error, which typed throws enforce.
import Foundation

// A fixed verifier key, so proofs and certificates run their checks up to the signature.
let fuzzKey = try! NoteVerifierKey("fuzz+a8c164cc+ASl2VP2aQdR+qozbs7xH2u/o/Il7UDStNxJNTaUchcLn")

func check(_ ok: @autoclosure () -> Bool, _ what: String) {
    if !ok() { fatalError("property broken: \(what)") }
}

/// Canonical JSON: whatever parses re-encodes to a canonical form that parses to the same value;
/// bytes accepted by the canonical parser, and by its strict pass alone, are exactly their own
/// canonical encoding.
func fuzzJSON(_ bytes: [UInt8]) {
    if let v = try? JSONParser.parse(bytes) {
        let canonical = CanonicalJSON.encode(v)
        check((try? JSONParser.parseCanonical(canonical)) == v, "parse -> encode -> parseCanonical round trip")
    }
    if let v = JSONParser.parseStrictlyCanonical(bytes) {
        check(CanonicalJSON.encode(v) == bytes, "the strict pass accepts only canonical bytes")
    }
    do {
        let v = try JSONParser.parseCanonical(bytes)
        check(CanonicalJSON.encode(v) == bytes, "canonical input re-encodes to itself")
    } catch {
        _ = error.description  // JSONError: typed by the signature
    }
}

/// Submissions: a decoded submission's root is the RFC 6962 root of its events' canonical bytes.
func fuzzSubmission(_ bytes: [UInt8]) {
    guard let s = try? Submission.decode(bytes) else { return }
    let h = MerkleHasher()
    check(s.root == h.root(ofLeafHashes: s.eventBytes.map { h.leafHash($0) }), "submission root")
    check(!s.hasValidSignature(origin: "fuzz.test/log"), "a random signature verified")
    check((try? Submission.decode(CanonicalJSON.encode(s.json)))?.root == s.root, "submission wire round trip")
}

/// Entries: a decoded entry re-encodes to the same canonical bytes (entries are stored canonical),
/// and the bytes located as its event are its event's.
func fuzzEntry(_ bytes: [UInt8]) {
    guard let d = try? DecodedEntry(bytes, hasher: MerkleHasher()) else { return }
    let e = d.entry
    check((try? Entry.decode(e.canonicalBytes)) == e, "entry round trip")
    check(d.eventBytes == CanonicalJSON.encode(e.event), "an entry's event bytes are its event's canonical bytes")
}

/// Proofs, certificates and checkpoints: decoding and verifying never crash, and nothing signed
/// by another key verifies.
func fuzzProof(_ bytes: [UInt8]) {
    if let doc = try? ProofDocument.decode(bytes) {
        check((try? doc.verify(key: fuzzKey)) == nil, "a proof verified under a key nobody holds")
    }
    check((try? RetirementCertificate.verify(bytes, key: fuzzKey)) == nil, "a certificate verified under a key nobody holds")
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? SignedNote.parse(text)
    _ = try? Checkpoint(text: text)
    check((try? Checkpoint.open(text, key: fuzzKey)) == nil, "a checkpoint opened under a key nobody holds")
}

enum FuzzTarget: String { case json, submission, entry, proof }

let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["CARBONLEDGER_FUZZ_TARGET"] ?? ""
    guard let t = FuzzTarget(rawValue: name) else { fatalError("set CARBONLEDGER_FUZZ_TARGET to json, submission, entry or proof (got \"\(name)\")") }
    return t
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    switch fuzzTarget {
    case .json: fuzzJSON(bytes)
    case .submission: fuzzSubmission(bytes)
    case .entry: fuzzEntry(bytes)
    case .proof: fuzzProof(bytes)
    }
    return 0
}
