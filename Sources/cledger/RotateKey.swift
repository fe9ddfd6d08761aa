import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore
import LedgerStore

struct RotateKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Replace the registry key that signs checkpoints (a registry.rotate entry).",
        discussion: """
            Copies the new private key into the ledger directory as registry-next.key, then appends a \
            registry.rotate event signed by the current registry key (it must be an admin key). The commit that \
            carries it is checkpointed with both keys, so whoever trusts the old key can verify the new one \
            from the log; later checkpoints carry the new key's signature only. Checkpoints signed before \
            stay verifiable with the old key. After the commit the new key becomes registry.key and the old \
            one is kept as registry-retired-NAME-KEYID.key. Run it while no server writes to the ledger. \
            Generate the new key with `cledger keygen`; publish its verifier key to relying parties.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Private key file of the new registry key (from `cledger keygen`).")
    var newKey: String

    @Option(help: "Why the key is replaced (recorded in the log, 1 to 1024 bytes).")
    var reason: String

    func run() throws {
        let dir = ledgerDirectory.dir
        let ledger = try ledgerDirectory.open(options: LMDBOptions())
        let incoming = try LedgerDirectory.readSigningKey(newKey)
        let current = try LedgerDirectory.readSigningKey(LedgerDirectory.keyPath(dir))
        let info = try ledger.info()
        guard incoming.verifierKey != info.registryKey else { throw CLIError("--new-key: \(incoming.name) is already the registry key") }
        let next = LedgerDirectory.nextKeyPath(dir)
        var created = false
        if FileManager.default.fileExists(atPath: next) {
            guard try LedgerDirectory.readSigningKey(next).verifierKey == incoming.verifierKey else {
                throw CLIError("\(next) holds another pending key; remove it if that rotation was abandoned")
            }
        } else {
            try LedgerDirectory.writeSigningKey(incoming, to: next)
            created = true
        }
        let rotation = try Submission.Unsigned(events: [["type": "registry.rotate", "registry_key": .string(incoming.verifierKey.description),
                                                         "reason": .string(reason)]]).signed(by: current, origin: info.origin)
        let sequencer = try ledger.sequencer()
        switch try sequencer.appendAllOrNothing([rotation], now: .now()) {
        case .success(let receipts):
            try ledger.promoteRotatedKey()
            print("registry key rotated at seq \(receipts[0].firstSeq): \(current.verifierKey) -> \(incoming.verifierKey)")
            print("checkpoint at tree size \(receipts[0].treeSize) is signed by both keys; \(LedgerDirectory.keyPath(dir)) now holds the new key")
        case .failure(let rejection):
            if created { try? FileManager.default.removeItem(atPath: next) }
            throw CLIError("rotation refused, nothing appended: \(rejection.violation)")
        }
    }
}
