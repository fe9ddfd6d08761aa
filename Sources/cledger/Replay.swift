import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore
import LedgerStore

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the state as of a seq or a time in a fresh store and print its summary.",
        discussion: """
            Replays (and verifies) the log from genesis up to --as-of into a new LMDB store. A cut inside a \
            submission is rounded down to the submission's start, since submissions apply whole. As of the \
            head, the replayed state is compared with the live projections byte for byte.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(name: .customLong("as-of"), help: "A seq (state after that entry) or an RFC 3339 time such as 2026-11-21T00:00:00.000Z (state after the last entry at or before it).")
    var asOf: String

    @Option(help: "Keep the replayed store in this new or empty directory (default: a temporary one, removed afterwards).")
    var out: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let ledger = try ledgerDirectory.openReadOnly()
        let size = try ledger.info().size
        let upTo: UInt64
        if let seq = UInt64(asOf) {
            guard seq < size else { throw ValidationError("--as-of \(seq): the log has seqs 0 to \(size - 1)") }
            upTo = seq + 1
        } else if let t = Timestamp(rfc3339: asOf) {
            upTo = try ledger.entriesCommitted(atOrBefore: t)
            guard upTo > 0 else { throw ValidationError("--as-of \(asOf) is before the genesis entry") }
        } else {
            throw ValidationError("--as-of must be a seq or an RFC 3339 UTC time with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ)")
        }
        let keep = out ?? (NSTemporaryDirectory() + "carbonledger-asof-" + UUID().uuidString)
        defer { if out == nil { try? FileManager.default.removeItem(atPath: keep) } }
        var verifier = Verifier(store: ledger.store)
        verifier.scratchDirectory = keep
        if upTo < size { verifier.upTo = upTo }
        let report: VerificationReport
        do { report = try verifier.verify() } catch let f as VerificationFailure { throw CLIError("FAIL at \(f)") }
        var options = LMDBOptions()
        options.readOnly = true
        let replayed = try LogStore(path: keep, options: options)
        let summary = try StateSummary(replayed)
        let equal = upTo >= size
        if json {
            var o = summary.json.objectValue!
            o["entries"] = .int(Int64(report.entries))
            o["equals_live_projections"] = equal ? .bool(true) : .null
            print(CanonicalJSON.string(.object(o)))
        } else {
            print("replayed \(counted(report.entries, "entry", "entries")) (\(counted(report.submissions, "submission"))) into \(out ?? "a temporary store")")
            print(summary.text)
            if equal && report.stateSize == report.entries {
                print("state equals the live projections byte for byte (\(report.stateKeysCompared) keys)")
            } else if equal {
                print("the live projections reflect the first \(report.stateSize) entries and equal the replay there byte for byte (\(report.stateKeysCompared) keys)")
            }
        }
    }
}
