import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore

struct CertificateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Export, verify offline, or render retirement certificates.",
        subcommands: [Export.self, VerifyCertificate.self, Render.self],
        defaultSubcommand: Export.self)

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export a retirement certificate: the retirement and issuance entries with inclusion proofs, the signed checkpoint, and a summary (JSON).")

        @OptionGroup var ledgerDirectory: LedgerDirectoryOption

        @Argument(help: "Retirement id (see `cledger retirements`).")
        var retirement: String

        @Option(help: "Write to this file instead of standard output.")
        var out: String?

        func run() throws {
            let cert = try ledgerDirectory.openReadOnly().certificate(retirement)
            let text = CanonicalJSON.string(cert) + "\n"
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else { throw CLIError("\(out): cannot be written") }
                print("certificate for retirement \(retirement) written to \(out)")
            } else {
                print(text, terminator: "")
            }
        }
    }

    struct VerifyCertificate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify a certificate offline with the registry's verifier key; exit 0 only if valid, else explain why.")

        @Argument(help: "Certificate JSON file ('-' for standard input).")
        var file: String

        @Option(help: "The registry's verifier key (name+keyid+base64), or a file containing it.")
        var key: String

        func run() throws {
            let summary = try verifiedSummary(file: file, key: key)
            print("certificate valid: retirement \(summary["retirement"]?.stringValue ?? "?") of \(summary["amount_t"]?.stringValue ?? "?") t CO2e for \(summary["beneficiary"]?.stringValue ?? "?")")
            for s in summary["serials"]?.arrayValue ?? [] { print("  serials \(s.stringValue ?? "")") }
            print("  purpose \(summary["purpose"]?.stringValue ?? ""), project \(summary["project"]?.stringValue ?? ""), vintage \(summary["vintage"]?.stringValue ?? ""), entry \(summary["retirement_seq"]?.intValue ?? 0) of \(summary["ledger"]?.stringValue ?? "") at tree size \(summary["checkpoint_size"]?.intValue ?? 0)")
        }
    }

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "render",
            abstract: "Verify a certificate and render it as an HTML page for people who read rather than parse.")

        @Argument(help: "Certificate JSON file.")
        var file: String

        @Option(help: "The registry's verifier key (the page shows only verified facts).")
        var key: String

        @Option(help: "Output HTML file.")
        var out: String

        func run() throws {
            let summary = try verifiedSummary(file: file, key: key)
            let html = CertificatePage.html(summary: summary, key: try verifierKey(key).description)
            guard FileManager.default.createFile(atPath: out, contents: Data(html.utf8)) else { throw CLIError("\(out): cannot be written") }
            print("verified certificate rendered to \(out)")
        }
    }
}

func verifierKey(_ key: String) throws -> NoteVerifierKey {
    let text = FileManager.default.contents(atPath: key).map { String(decoding: $0, as: UTF8.self) } ?? key
    do { return try NoteVerifierKey(text.trimmingCharacters(in: .whitespacesAndNewlines)) } catch { throw ValidationError("--key \(key): \(error)") }
}

func verifiedSummary(file: String, key: String) throws -> JSONValue {
    let k = try verifierKey(key)
    do { return try RetirementCertificate.verify(try readInput(file), key: k) } catch let e as ProofError { throw CLIError("INVALID: \(e)") }
}
