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
            Prints the seq range assigned to each file. With --check nothing is appended: every rule each \
            file's events would break is listed (event, type, field, rule), so a batch is mended in one go.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Sign each FILE (an unsigned batch {\"events\":[...]}) with this private key file first (times with an offset are rewritten to UTC first, as `cledger sign` does).")
    var sign: String?

    @Flag(help: "Append nothing: report every rule each FILE's events would break (each event judged after the ones before it that pass, the files in order), and exit 1 if any.")
    var check = false

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
            if let key = signer {
                submissions.append(try signedBatch(bytes, file: file, key: key, origin: origin))
                continue
            }
            do throws(SubmissionError) { submissions.append(try Submission.decode(bytes)) } catch { throw CLIError("\(file): \(error)") }
        }
        let sequencer = try ledger.sequencer()
        if check { return try report(try sequencer.check(submissions, now: .now()), of: submissions) }
        let results = try sequencer.appendAllOrNothing(submissions, now: .now())
        switch results {
        case .success(let receipts):
            for (file, r) in zip(files, receipts) {
                print("\(file): seq \(r.firstSeq == r.lastSeq ? "\(r.firstSeq)" : "\(r.firstSeq)-\(r.lastSeq)") (\(counted(r.count, "event")))")
            }
            print("tree size \(receipts.last?.treeSize ?? 0)")
        case .failure(let rejection):
            throw CLIError("\(files[rejection.submissionIndex]): rejected, nothing appended: \(rejection.violation)\(check ? "" : " (submit --check lists every error)")")
        }
    }

    /// `--check`: each file's findings, then a summary; exit 1 if anything would be refused.
    func report(_ found: [[RuleViolation]], of submissions: [Submission]) throws {
        for (file, (violations, sub)) in zip(files, zip(found, submissions)) {
            guard !violations.isEmpty else {
                print("\(file): would be appended (\(counted(sub.events.count, "event")))")
                continue
            }
            for v in violations {
                let type = v.eventIndex.flatMap { sub.events[$0]["type"]?.stringValue }.map { " (\($0))" } ?? ""
                print("\(file): \(v.eventIndex.map { "event \($0)\(type), " } ?? "")field \"\(v.field)\": \(v.message) [rule \(v.id)]")
            }
        }
        let errors = found.reduce(0) { $0 + $1.count }, refused = found.filter { !$0.isEmpty }.count
        guard errors > 0 else {
            print("check: every submission would be appended; nothing was (--check)")
            return
        }
        throw CLIError("check: \(counted(errors, "error")) in \(counted(refused, "file")) of \(files.count); nothing was appended (--check)")
    }
}
