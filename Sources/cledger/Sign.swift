import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore
import LedgerStore

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign an unsigned batch for a ledger: what a platform POSTs to /v1/submissions.",
        discussion: """
            Reads BATCH, {"events":[...]}, and prints the signed submission as canonical JSON on one line \
            ({"events":[...],"signature":"...","signer":"..."}, SPEC.md section 5), ready for \
            `curl --data-binary @FILE .../v1/submissions` or `cledger submit`. The statement signed names the \
            ledger's origin: give --origin, or --dir to read it from a ledger directory. Times in start, end, \
            valid_from and valid_to may be written with an offset (2026-11-21T16:00:00+08:00) or without \
            milliseconds; they are rewritten to the ledger's spelling (2026-11-21T08:00:00.000Z) before signing, \
            since the signature covers the bytes. Nothing is checked against the rules here: `submit` and the \
            server do that.
            """)

    @Option(help: "Private key file (from `cledger keygen`) of the signer: the platform's, admin's or holder's key registered in the ledger.")
    var key: String

    @Option(help: "The ledger's origin (the first line of its checkpoints, `cledger info`).")
    var origin: String?

    @Option(help: "A ledger directory to read the origin from, instead of --origin.")
    var dir: String?

    @Argument(help: "The unsigned batch, {\"events\":[...]} ('-' for standard input).")
    var batch: String

    func validate() throws {
        if (origin == nil) == (dir == nil) { throw ValidationError("give the ledger's origin with --origin, or its directory with --dir (one of them)") }
        if let o = origin, !Reducer.isValidOrigin(o) { throw ValidationError("--origin \(o): must be 1 to 255 printable ASCII characters without spaces") }
    }

    func run() throws {
        var readOnly = LMDBOptions()
        readOnly.readOnly = true
        let origin = try self.origin ?? Ledger(directory: dir ?? "", options: readOnly).info().origin
        let signer = try LedgerDirectory.readSigningKey(key)
        print(CanonicalJSON.string(try signedBatch(try readInput(batch), file: batch, key: signer, origin: origin).json))
    }
}
