import ArgumentParser
import CarbonLedger
import LedgerCore

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an Ed25519 key pair in the C2SP signed-note formats.",
        discussion: "Writes the private key (PRIVATE+KEY+name+keyid+base64) to --out with mode 0600 and prints the verifier key (name+keyid+base64) on standard output.")

    @Option(help: "Key name: non-empty, no spaces or '+'. Appears in signatures and verifier keys, e.g. shenzhen-registry.")
    var name: String

    @Option(help: "File to write the private key to. Must not exist yet.")
    var out: String

    func run() throws {
        let key: NoteSigningKey
        do { key = try NoteSigningKey.generate(name: name) } catch let e as NoteError {
            throw ValidationError("--name: \(e)")
        }
        try LedgerDirectory.writeSigningKey(key, to: out)
        print(key.verifierKey)
    }
}
