import ArgumentParser
import CarbonLedger
import CLISupport
import LedgerStore
import Foundation
import LedgerCore

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append signed submissions to the ledger.",
        discussion: """
            Each FILE holds one submission: {"events":[...],"signer":"name+keyid+base64","signature":"base64"}. \
            All files are appended in one durable transaction, all or nothing: if any file is malformed or \
            breaks a rule, nothing is appended and the error names the file, event and field. \
            Prints the seq range assigned to each file.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Sign each FILE (an unsigned batch {\"events\":[...]}) with this private key file first.")
    var sign: String?

    @Flag(help: "Skip fsync on commit. Off by default: the command returns only after the commit is durable.")
    var noSync = false

    @Argument(help: "Submission JSON files ('-' for standard input).")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one submission FILE") }
    }

    func run() throws {
        var options = LMDBOptions()
        options.noSync = noSync
        let ledger = try ledgerDirectory.open(options: options)
        let origin = try ledger.info().origin
        let signer = try sign.map(LedgerDirectory.readSigningKey)
        var submissions: [Submission] = []
        for file in files {
            let bytes = try readInput(file)
            do {
                if let key = signer {
                    let (unsigned, value) = try Submission.decodeUnsigned(bytes)
                    if value["signature"] != nil || value["signer"] != nil {
                        throw CLIError("\(file): already signed; --sign takes unsigned batches ({\"events\":[...]})")
                    }
                    submissions.append(unsigned.signed(by: key, origin: origin))
                } else {
                    submissions.append(try Submission.decode(bytes))
                }
            } catch let e as SubmissionError {
                throw CLIError("\(file): \(e)")
            }
        }
        let sequencer = try ledger.sequencer()
        let results = try sequencer.appendAllOrNothing(submissions, now: .now())
        switch results {
        case .success(let receipts):
            for (file, r) in zip(files, receipts) {
                print("\(file): seq \(r.firstSeq)-\(r.lastSeq) (\(r.count) events)")
            }
            print("tree size \(receipts.last?.treeSize ?? 0)")
        case .failure(let rejection):
            throw CLIError("\(files[rejection.submissionIndex]): rejected, nothing appended: \(rejection.violation)")
        }
    }
}
