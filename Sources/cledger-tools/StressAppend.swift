import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore
import LedgerDemo
import LedgerStore

struct StressAppend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress-append",
        abstract: "Append generated submissions in a loop (crash tests, append-rate measurement).",
        discussion: """
            Each batch is a signed submission of --events-per-batch note events (signed by an admin key). \
            After each durable commit it prints `ack FIRST LAST ROOTHEX` and flushes, so a test that \
            kills this process knows exactly what was acknowledged. With --report it signs every batch \
            first and then times the appends alone, printing events/s.
            """)

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Private key file that signs the submissions (default: the ledger's registry key).")
    var key: String?

    @Option(help: "Number of batches; 0 runs until killed.")
    var batches: Int = 0

    @Option(help: "Events per submission (1 to 10000).")
    var eventsPerBatch: Int = 10

    @Option(help: "Concurrent submitters sharing group commits (1 = one commit per submission).")
    var clients: Int = 1

    @Flag(help: "Pre-sign all batches, time only the appends, print events/s and commits.")
    var report = false

    enum Workload: String, ExpressibleByArgument, CaseIterable { case log, behaviour }

    @Option(help: "log: note events (the log alone); behaviour: a demo city's behaviour reports with every domain rule (needs --report and a new ledger made by init with the registry key as admin and --report-days 366, since the simulated year ends yesterday; --events-per-batch is ignored, batches are the platforms' of up to 1,000).")
    var workload: Workload = .log

    @Option(help: "Residents of the behaviour workload's city.")
    var residents: Int = 20_000

    @Option(help: "With --workload behaviour: the first simulated day to report (0 is a year ago). A run continuing a ledger starts after the last day an earlier run reported (its report names the days); the city's setup is appended only once.")
    var firstDay: Int = 0

    @Option(help: "With --workload behaviour: also write the timed submissions, one JSON per line, to this file (for the comparison baselines).")
    var export: String?

    @Option(help: "With --workload behaviour: also write the city's setup submissions (keys, methodologies, accounts, consents), one JSON per line in the order they must be appended, to this file.")
    var exportSetup: String?

    @Flag(help: "With --export: write the files and append nothing (for a load test that submits them to a server over HTTP, `Benchmarks/load.sh --workload behaviour`).")
    var exportOnly = false

    @Flag(help: "With --workload behaviour: the ledger's clock follows the simulated days, which then start today: each day's reports are appended at 23:30 CST of their day, so the programme's windows move on as in a real year (any ledger init makes, with its default windows, will do). Prints the rule state the writer holds every --sample-days days.")
    var simulatedClock = false

    @Option(help: "With --simulated-clock: how many simulated days between two lines on the writer's memory.")
    var sampleDays: Int = 30

    @Option(help: "Entries after which the rules checkpoint (DIR/rules) takes the committed writes, as `cledger serve --checkpoint-entries`.")
    var checkpointEntries: UInt64 = Sequencer.defaultCheckpointEntries

    @Flag(help: "Skip fsync on commit.")
    var noSync = false

    func validate() throws {
        guard checkpointEntries >= 1 else { throw ValidationError("--checkpoint-entries must be >= 1") }
        guard (1...Submission.maxEvents).contains(eventsPerBatch) else { throw ValidationError("--events-per-batch must be 1 to \(Submission.maxEvents)") }
        guard batches >= 0 else { throw ValidationError("--batches must be >= 0") }
        guard clients >= 1 else { throw ValidationError("--clients must be >= 1") }
        if report && batches == 0 { throw ValidationError("--report needs --batches") }
        if workload == .behaviour && !report { throw ValidationError("--workload behaviour needs --report") }
        guard firstDay >= 0 else { throw ValidationError("--first-day must be >= 0") }
        if (exportSetup != nil || exportOnly) && workload != .behaviour { throw ValidationError("--export-setup and --export-only need --workload behaviour") }
        if exportOnly && export == nil { throw ValidationError("--export-only needs --export (the file of submissions to write)") }
        if exportOnly && simulatedClock { throw ValidationError("--export-only writes the year before today; --simulated-clock appends as it goes") }
        if simulatedClock && workload != .behaviour { throw ValidationError("--simulated-clock needs --workload behaviour") }
        guard sampleDays >= 1 else { throw ValidationError("--sample-days must be >= 1") }
    }

    func run() throws {
        var options = LMDBOptions()
        options.noSync = noSync
        let ledger = try ledgerDirectory.open(options: options)
        let origin = try ledger.info().origin
        let signer = try LedgerDirectory.readSigningKey(key ?? LedgerDirectory.keyPath(ledgerDirectory.dir))
        let sequencer = try ledger.sequencer()
        sequencer.checkpointEntries = checkpointEntries
        let runID = Hex.encode(try Ed25519PrivateKey.generate().seed.prefix(8))
        let perBatch = eventsPerBatch
        let make: @Sendable (Int) throws -> Submission = { b in
            let events: [JSONValue] = (0..<perBatch).map { i in
                ["type": "note", "text": .string("stress \(runID) \(b) \(i)")]
            }
            return try Submission.Unsigned(events: events).signed(by: signer, origin: origin)
        }
        let clock = SimulatedClock(.now())
        let committer = simulatedClock ? GroupCommitter(sequencer: sequencer, clock: { clock.now }) : GroupCommitter(sequencer: sequencer)
        defer { committer.shutdown() }
        let out = FileHandle.standardOutput
        let lock = NSLock()
        let failures = Counter()
        let report = self.report
        let clients = self.clients
        if workload == .behaviour {
            var o = DemoCity.Options()
            o.residents = residents
            o.days = 366
            // The simulated year ends yesterday, so its first days are a year old: a window
            // shorter than that would refuse them (SPEC.md 8.7), and a half-refused run measures
            // nothing. With the simulated clock it starts today instead, and each day is reported on the day.
            if !simulatedClock, let w = try ledger.info().windows, w.reportDays < Int64(o.days) {
                throw CLIError("the behaviour workload reports the \(o.days) days before today; this ledger's genesis lets a behaviour be reported only \(w.reportDays) days after its day: create the ledger with `cledger init --report-days \(o.days) --reversal-days \(o.days)`, or run with --simulated-clock")
            }
            let ending = simulatedClock ? Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch + Int64(o.days) * 86_400_000) : .now()
            let city = try DemoCity(origin: origin, admin: signer, options: o, endingBefore: ending)
            // The city's keys and submissions are deterministic: a ledger that has its setup
            // already (an earlier run) continues with it.
            let setup = try city.setup()
            if let path = exportSetup { try Self.write(setup, to: path) }
            if !exportOnly, try ledger.store.read({ try $0.firstSeq(ofSubmission: setup[0].root) }) == nil {
                for r in try sequencer.append(setup, now: .now()) { _ = try r.get() }
            }
            if simulatedClock {
                try runSimulatedDays(city, days: o.days)
                return
            }
            var subs: [Submission] = []
            var d = firstDay
            while subs.count < batches && d < o.days {
                subs += try city.regularBatches(d)
                d += 1
            }
            guard !subs.isEmpty else { throw CLIError("--first-day \(firstDay) is past the simulated year (days 0 to \(o.days - 1))") }
            let work = Array(subs.prefix(batches))
            let events = work.reduce(0) { $0 + $1.events.count }
            if let path = export { try Self.write(work, to: path) }
            if exportOnly {
                print("wrote \(events) behaviour events of days \(firstDay)-\(d - 1) in \(work.count) submissions to \(export ?? "")\(exportSetup.map { ", and the setup's \(setup.count) submissions to \($0)" } ?? "")")
                return
            }
            print("appended \(events) behaviour events of days \(firstDay)-\(d - 1) in \(work.count) submissions, \(try timed(work, events: events))")
        } else if report {
            let subs = try (0..<batches).map { try make($0) }
            print("appended \(batches * eventsPerBatch) events in \(batches) submissions, \(try timed(subs, events: batches * eventsPerBatch))")
        } else {
            try runClients(batches == 0 ? Int.max : batches, make)
        }
        if failures.value > 0 { throw CLIError("\(failures.value) submissions failed") }

        /// Appends pre-signed `work` through the clients, timing only that, and describes the run:
        /// commits, seconds, bytes the ledger's device wrote, the allocator, events/s. The timed
        /// span ends with the state flushed to disk: its commits skip fsync, and a run that left
        /// their pages in the page cache would look faster than the disk allows.
        func timed(_ work: [Submission], events: Int) throws -> String {
            try timed { try runClients(work.count) { b in work[b] }; return (0, events) }
        }

        /// The same for appends made by `append`, which returns how many events it appended and
        /// the seconds of its own time that were not appending (taken off the timed span).
        func timed(_ append: () throws -> (untimed: TimeInterval, events: Int)) throws -> String {
            let commitsBefore = sequencer.commitCount
            let device = DeviceWrites(directory: ledgerDirectory.dir)
            let written = device?.bytes()
            let start = Date()
            let (untimed, events) = try append()
            let appended = Date()
            sequencer.waitForState()
            try sequencer.store.syncState()
            let secs = Date().timeIntervalSince(start) - untimed
            let flush = String(format: "%.3f", Date().timeIntervalSince(appended))
            let disk = device?.report(since: written, events: events) ?? ""
            return "\(sequencer.commitCount - commitsBefore) commits, \(String(format: "%.3f", secs)) s (\(flush) s of it flushing the state at the end)\(disk), allocator \(Allocator.description): \(Int(Double(events) / secs)) events/s"
        }

        /// The simulated days from --first-day on, each signed, then appended at its evening
        /// (signing is not timed), until --batches submissions; every --sample-days days, a line
        /// on the rule state held in memory and the anonymous RSS.
        func runSimulatedDays(_ city: DemoCity, days: Int) throws {
            var submitted = 0, events = 0, d = firstDay
            let line = try timed { () throws -> (untimed: TimeInterval, events: Int) in
                var untimed: TimeInterval = 0
                while submitted < batches && d < days {
                    let signing = Date()
                    let work = Array(try city.regularBatches(d).prefix(batches - submitted))
                    untimed += Date().timeIntervalSince(signing)
                    clock.set(Timestamp(millisecondsSinceEpoch: city.firstDay + Int64(d) * 86_400_000 + 23 * 3_600_000 + 1_800_000))
                    try runClients(work.count) { b in work[b] }
                    submitted += work.count
                    events += work.reduce(0) { $0 + $1.events.count }
                    d += 1
                    if (d - firstDay) % sampleDays == 0 || submitted >= batches || d == days {
                        let sampling = Date()
                        let held = try sequencer.loadRulesState()
                        let rss = anonymousResidentBytes().map { "\($0 / 1_048_576) MiB" } ?? "unknown"
                        // Written now, not when a buffer fills: a benchmark kills the run on this line.
                        out.write(Data("day \(d - 1): \(events) events, rule state \(held.records) records and an index of \(held.indexed.intervals) intervals, \(held.indexed.caps) daily caps and \(held.indexed.acts) acts in memory, anonymous RSS \(rss)\n".utf8))
                        untimed += Date().timeIntervalSince(sampling)
                    }
                }
                return (untimed, events)
            }
            print("appended \(events) behaviour events of days \(firstDay)-\(d - 1) in \(submitted) submissions on the simulated clock, \(line)")
        }

        func runClients(_ total: Int, _ produce: @escaping @Sendable (Int) throws -> Submission) throws {
            let next = Counter()
            let group = DispatchGroup()
            for _ in 0..<clients {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    while true {
                        let b = next.increment()
                        // Stop at the first failure: a full or failing disk will not get better by hammering it.
                        guard b < total, failures.value == 0, let sub = try? produce(b) else { return }
                        let done = DispatchSemaphore(value: 0)
                        committer.submit(sub) { result in
                            switch result {
                            case .success(let r) where !report:
                                lock.lock()
                                out.write(Data("ack \(r.firstSeq) \(r.lastSeq) \(r.root.hex)\n".utf8))
                                lock.unlock()
                            case .success: break
                            case .failure(let e):
                                failures.increment()
                                FileHandle.standardError.write(Data("submission failed: \(e)\n".utf8))
                            }
                            done.signal()
                        }
                        done.wait()
                    }
                }
            }
            group.wait()
        }
    }

    /// Writes `submissions` to `path`, one canonical JSON per line (what `POST /v1/submissions` takes).
    static func write(_ submissions: [Submission], to path: String) throws {
        var out = [UInt8]()
        for s in submissions { out += CanonicalJSON.encode(s.json); out.append(0x0A) }
        guard FileManager.default.createFile(atPath: path, contents: Data(out)) else { throw CLIError("\(path): cannot be written") }
    }
}
