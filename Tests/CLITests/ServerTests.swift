import Foundation
import Testing
import LedgerCore
import LedgerDemo
import CarbonLedger
import LedgerStore
import TestSupport

/// `cledger serve` over real HTTP on loopback, `cledger mirror`, and the explorer page in a real
/// headless Chromium.
@Suite(.serialized) struct ServerTests: Sendable {
    /// A small demo city and its registry key (an admin).
    func city(_ d: TempDir) throws -> (String, NoteSigningKey, String) {
        let r = try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "120", "--days", "2"])
        guard r.status == 0 else { throw CLIError("demo failed: \(r.stderr)") }
        let key = try LedgerDirectory.readSigningKey(LedgerDirectory.keyPath(d.sub("city")))
        let origin = try JSONParser.parse(Array(try CLI.run(["info", "--dir", d.sub("city"), "--json"]).stdout.utf8))["origin"]!.stringValue!
        return (d.sub("city"), key, origin)
    }

    func note(_ text: String, key: NoteSigningKey, origin: String) throws -> [UInt8] {
        CanonicalJSON.encode(try Submission.Unsigned(events: [["type": "note", "text": .string(text)]]).signed(by: key, origin: origin).json)
    }

    @Test func submitReadProveAndMirrorOverHTTP() throws {
        let d = TempDir()
        let (dir, key, origin) = try city(d)
        let server = try ServerProcess(dir: dir)
        let base = server.base
        #expect(try HTTP.get("\(base)/healthz").text == "ok\n")
        let before = try HTTP.get("\(base)/v1/info").json["size"]!.intValue!
        let ok = try HTTP.post("\(base)/v1/submissions", try note("over http", key: key, origin: origin))
        #expect(ok.status == 200, "\(ok.text)")
        let seq = ok.json["first_seq"]!.intValue!
        #expect(seq == before && ok.json["tree_size"]?.intValue == before + 1)
        let page = try HTTP.get("\(base)/v1/entries?from=\(seq)&limit=5").json
        #expect(page["entries"]?.arrayValue?.first?["event"]?["text"] == "over http")
        let proof = try HTTP.get("\(base)/v1/proofs/inclusion?seq=\(seq)")
        // /v1/entries carries each entry's stored canonical bytes verbatim: their leaf hash is the proof's.
        let pageBody = try HTTP.get("\(base)/v1/entries?from=\(seq)&limit=1")
        let stored = CanonicalJSON.encode(try #require(pageBody.json["entries"]?.arrayValue?.first))
        #expect(pageBody.text.contains(String(decoding: stored, as: UTF8.self)))
        #expect(MerkleHasher().leafHash(stored).hex == proof.json["leaf_hash"]?.stringValue)
        #expect(try ProofDocument.decode(proof.body).verify(key: key.verifierKey).contains("inclusion proof valid: entry \(seq)"))
        let cons = try HTTP.get("\(base)/v1/proofs/consistency?from=1")
        #expect(try ProofDocument.decode(cons.body).verify(key: key.verifierKey).contains("consistency proof valid"))
        #expect(try Checkpoint.open(HTTP.get("\(base)/v1/checkpoint").text, key: key.verifierKey).size == UInt64(before + 1))
        #expect(try HTTP.get("\(base)/v1/accounts/r-00001").json["kind"] == "person")
        #expect(try HTTP.get("\(base)/v1/accounts/nobody").status == 404)
        let rets = try HTTP.get("\(base)/v1/retirements").json.arrayValue!
        #expect(rets.count == 3)
        let cert = try HTTP.get("\(base)/v1/retirements/\(rets[0]["id"]!.stringValue!)/certificate")
        #expect(try RetirementCertificate.verify(cert.body, key: key.verifierKey)["retirement"] == rets[0]["id"])
        #expect(try HTTP.get("\(base)/v1/batches/\(rets[0]["batch"]!.stringValue!)").json["units"] != nil)
        #expect(try HTTP.get("\(base)/v1/stats?by=scenario&format=csv").text.hasPrefix("scenario,behaviours,"))
        #expect(try HTTP.get("\(base)/v1/stats?by=colour").status == 400)
        #expect(try HTTP.get("\(base)/v1/search?q=\(rets[0]["serials"]!.arrayValue![0].stringValue!)").json["results"]?.arrayValue?.first?["retirement"] == rets[0]["id"])
        let metrics = try HTTP.get("\(base)/metrics").text
        #expect(metrics.contains("carbonledger_entries_appended_total 1") && metrics.contains("carbonledger_commit_latency_seconds_count 1"))
        #expect(metrics.contains("carbonledger_state_commit_failures_total 0"))

        // A verifying mirror catches up, then follows new entries; it serves reads, not writes.
        let m1 = try CLI.run(["mirror", "--from", base + "/", "--dir", d.sub("replica")])
        #expect(m1.status == 0 && m1.stdout.contains("at tree size \(before + 1), verified"), "\(m1.stderr)")
        _ = try HTTP.post("\(base)/v1/submissions", try note("after the mirror", key: key, origin: origin))
        let m2 = try CLI.run(["mirror", "--from", base + "/", "--dir", d.sub("replica"), "--key", key.verifierKey.description])
        #expect(m2.status == 0 && m2.stdout.contains("at tree size \(before + 2)"))
        #expect(try CLI.run(["verify", "--dir", d.sub("replica")]).stdout.contains("OK: \(before + 2) entries"))
        let replica = try ServerProcess(dir: d.sub("replica"))
        #expect(try HTTP.post("\(replica.base)/v1/submissions", try note("x", key: key, origin: origin)).status == 405)
        #expect(try HTTP.get("\(replica.base)/v1/checkpoint").text == (try HTTP.get("\(base)/v1/checkpoint").text))
        // Every figure served as ledger data derives from the log: the mirror, which never saw
        // the origin's refused submissions (the demo's double counts), answers the same.
        for path in ["/v1/stats?by=scenario,day", "/v1/stats?by=region,month", "/v1/accounts/r-00000", "/v1/accounts/e-byd", "/v1/retirements",
                     "/v1/search?q=\(rets[0]["serials"]!.arrayValue![0].stringValue!)"] {
            let (o, r) = (try HTTP.get(base + path), try HTTP.get(replica.base + path))
            #expect(o.status == 200 && o.body == r.body, "\(path) differs between origin and mirror")
        }
        #expect(!(try HTTP.get("\(base)/v1/stats?by=scenario").text.contains("rejected")), "refusals are /metrics' business")
        #expect(replica.stop() == 0)
        #expect(server.stop() == 0, "graceful shutdown exits 0")
    }

    /// Read your writes: every read says how many entries the state it read reflects
    /// (`Ledger-State-Size`), and a read that asks for a size (`Ledger-Min-Size`, the `tree_size`
    /// a submission was acknowledged with) is answered only from a state that reaches it: at once
    /// when it does, after waiting when asked to wait, with 412 when it does not.
    @Test func readsSayHowFarTheStateReachesAndWaitForTheSizeAsked() throws {
        let d = TempDir()
        let (dir, key, origin) = try city(d)
        let server = try ServerProcess(dir: dir)
        let base = server.base
        let info = try HTTP.get("\(base)/v1/info")
        let size = try #require(info.json["size"]?.intValue)
        #expect(info.headers["ledger-state-size"] == "\(size)")
        let account = try HTTP.request("GET", "\(base)/v1/accounts/r-00001", headers: ["Ledger-Min-Size": "\(size)"])
        #expect(account.status == 200 && account.headers["ledger-state-size"] == "\(size)")
        for bad in ["-1", "ten", "9007199254740992"] {
            let r = try HTTP.request("GET", "\(base)/v1/info", headers: ["Ledger-Min-Size": bad])
            #expect(r.status == 400 && r.json["error"]?["field"] == "Ledger-Min-Size", "\(bad): \(r.text)")
        }
        // Entries the log does not hold yet, and no wait asked for: refused at once.
        let ahead = try HTTP.request("GET", "\(base)/v1/info", headers: ["Ledger-Min-Size": "\(size + 1)"])
        #expect(ahead.status == 412 && ahead.json["error"]?["rule"] == "read.behind" && ahead.json["error"]?["field"] == "Ledger-Min-Size", "\(ahead.text)")
        #expect(ahead.text.contains("Prefer: wait"))

        // A bad parameter is refused as ever, not waited for.
        let badQuery = try HTTP.request("GET", "\(base)/v1/entries?from=x", headers: ["Ledger-Min-Size": "\(size + 1)", "Prefer": "wait=60"])
        #expect(badQuery.status == 400 && badQuery.json["error"]?["field"] == "from")
        // A read of an account not open yet, asking to wait for the next entry, waits (the server
        // counts it in /metrics) until the submission opening it lands, then answers with it.
        let reply = ReplyBox()
        let reader = onThreads(1) { _ in
            do {
                let r = try HTTP.request("GET", "\(base)/v1/accounts/p-read-your-writes", headers: ["Ledger-Min-Size": "\(size + 1)", "Prefer": "wait=60"])
                reply.status = r.status; reply.data = Data(r.body); reply.headers = r.headers
            } catch { reply.failure = error }
        }
        var polls = 0
        while !(try HTTP.get("\(base)/metrics").text.contains("carbonledger_reads_waiting 1")) {
            polls += 1
            try #require(polls < 20_000, "the read never waited")
        }
        let open = try Submission.Unsigned(events: [["type": "account.open", "account": "p-read-your-writes", "kind": "person", "region": "440300"]])
            .signed(by: key, origin: origin)
        let posted = try HTTP.post("\(base)/v1/submissions", CanonicalJSON.encode(open.json))
        #expect(posted.status == 200 && posted.json["tree_size"]?.intValue == size + 1)
        reader.wait()
        #expect(reply.failure == nil && reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
        #expect(reply.headers["ledger-state-size"] == "\(size + 1)")
        #expect((try? JSONParser.parse(Array(reply.data)))?["kind"] == "person")
        #expect(try HTTP.get("\(base)/metrics").text.contains("carbonledger_reads_waiting 0"))
    }

    @Test func badRequestsGetTheRight4xxAndChangeNothing() throws {
        let d = TempDir()
        let (dir, key, origin) = try city(d)
        // A burst of 100 per key, refilled at one submission per 1,000 s: the limit is reached
        // by what was sent, whatever the machine's speed.
        let server = try ServerProcess(dir: dir, extra: ["--max-body", "4096", "--rate", "0.001", "--burst", "100"])
        let base = server.base
        let size = { try HTTP.get("\(base)/v1/info").json["size"]!.intValue! }
        let before = try size()
        func expect(_ body: [UInt8], _ status: Int, _ rule: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
            let r = try HTTP.post("\(base)/v1/submissions", body)
            #expect(r.status == status && r.json["error"]?["rule"]?.stringValue == rule, "\(r.status) \(r.text)", sourceLocation: sourceLocation)
            return r.json["error"] ?? .null
        }
        _ = try expect(Array("{\"events\":[".utf8), 400, "submission.decode")
        _ = try expect(Array(#"{"events":[{"type":"note","text":"x","n":1.5}],"signer":"a","signature":"b"}"#.utf8), 400, "submission.decode")
        _ = try expect(Array(#"{"events":[{"type":"note","text":"x","n":1e3}],"signer":"a","signature":"b"}"#.utf8), 400, "submission.decode")
        _ = try expect([UInt8](repeating: 0x20, count: 8192), 413, "request.too_large")
        let unknown = CanonicalJSON.encode(try Submission.Unsigned(events: [["type": "behaviour.teleport"]]).signed(by: key, origin: origin).json)
        #expect(try expect(unknown, 400, "event.type")["event_index"] == 0)
        var forged = try Submission.Unsigned(events: [["type": "note", "text": "a"]]).signed(by: key, origin: origin).json.objectValue!
        forged["events"] = [["type": "note", "text": "b"]]
        _ = try expect(CanonicalJSON.encode(.object(forged)), 401, "submission.signature")
        let stranger = try NoteSigningKey.generate(name: "stranger")
        _ = try expect(try note("who am I", key: stranger, origin: origin), 403, "auth.unknown_key")
        let once = try note("only once", key: key, origin: origin)
        let accepted = try HTTP.post("\(base)/v1/submissions", once)
        #expect(accepted.status == 200)
        #expect(try expect(once, 409, "submission.replay")["conflicting_seq"] == accepted.json["first_seq"])
        // A double-counted ride: the city programme reports a ride the bike app holds.
        let holder = try HTTP.get("\(base)/v1/accounts/r-00000").json["history"]!.arrayValue!.first { $0["scenario"] == "bike" }
        if let h = holder, let seq = h["seq"]?.intValue {
            let entry = try HTTP.get("\(base)/v1/entries?from=\(seq)&limit=1").json["entries"]!.arrayValue![0]["event"]!
            var ride = entry.objectValue!
            ride["source_ref"] = "GL-RIDE-AGAIN"
            let city = try DemoCity(origin: origin, admin: key, options: { var o = DemoCity.Options(); o.residents = 120; o.days = 2; return o }(), endingBefore: .now())
            let double = CanonicalJSON.encode(try Submission.Unsigned(events: [.object(ride)]).signed(by: city.platforms["greenlife"]!, origin: origin).json)
            #expect(try expect(double, 409, "behaviour.double_counted")["conflicting_seq"]?.intValue == seq)
        } else {
            Issue.record("the demo city gave r-00000 no bike ride to double count")
        }
        #expect(try size() == before + 1, "only the one valid submission was appended")
        // Over the rate: 150 submissions by one key, from 30 threads; the key had used some of
        // its 100 before, so at least 50 get 429.
        let bodies = try (0..<150).map { try note("burst \($0)", key: key, origin: origin) }
        let statuses = Collected()
        onThreads(30) { t in
            for body in bodies[(t * 5)..<(t * 5 + 5)] {
                let status = (try? HTTP.post("\(base)/v1/submissions", body).status) ?? 0
                statuses.append(Data("\(status)\n".utf8))
            }
        }.wait()
        let replies = String(decoding: statuses.data, as: UTF8.self).split(separator: "\n")
        let limited = replies.filter { $0 == "429" }.count
        #expect(replies.count == 150 && limited >= 50 && replies.allSatisfy { $0 == "200" || $0 == "429" }, "\(replies)")
        #expect(try HTTP.get("\(base)/metrics").text.contains("carbonledger_submissions_rejected_total{rule=\"request.rate\"}"))
        #expect(server.stop() == 0)
        #expect(try CLI.run(["verify", "--dir", dir]).status == 0)
    }

    /// The three unauthenticated GETs that killed the server (issue 20): each now gets a JSON
    /// 400 naming the parameter, or an empty result, and the server still answers afterwards.
    @Test func requestsThatOnceCrashedTheServerAreRefused() throws {
        let d = TempDir()
        let (dir, _, _) = try city(d)
        let server = try ServerProcess(dir: dir)
        let base = server.base
        for from in ["9007199254740992", "9223372036854775808", "18446744073709551615"] {
            let r = try HTTP.get("\(base)/v1/entries?from=\(from)")
            #expect(r.status == 400 && r.json["error"]?["field"] == "from", "from=\(from): \(r.status) \(r.text)")
        }
        let largest = try HTTP.get("\(base)/v1/entries?from=9007199254740991")
        #expect(largest.status == 200 && largest.json["entries"]?.arrayValue?.isEmpty == true, "\(largest.status) \(largest.text)")
        let twice = try HTTP.get("\(base)/v1/stats?by=region,region")
        #expect(twice.status == 400 && twice.json["error"]?["field"] == "by" && twice.text.contains("given twice"), "\(twice.status) \(twice.text)")
        let batch = try #require(HTTP.get("\(base)/v1/retirements").json.arrayValue?.first?["batch"]?.stringValue)
        let prefix = try #require(HTTP.get("\(base)/v1/batches/\(batch)").json["serial_prefix"]?.stringValue)
        for q in ["\(prefix)-9223372036854775807-9223372036854775807", "\(prefix)-9223372036854775807", "\(prefix)-9007199254740992"] {
            let r = try HTTP.get("\(base)/v1/search?q=\(q)")
            // No unit beyond 2^53-1 exists, so none is found; which unit such a query names at
            // all is the serial grammar's question (a batch id ending in "-digits" makes it
            // ambiguous today: issue 21).
            let units = r.json["results"]?.arrayValue?.compactMap { $0["unit"]?.intValue } ?? []
            #expect(r.status == 200 && units.allSatisfy { $0 < 1 << 53 }, "q=\(q): \(r.status) \(r.text)")
        }
        #expect(try HTTP.get("\(base)/healthz").text == "ok\n")
        #expect(server.stop() == 0)
        let stats = try CLI.run(["stats", "--dir", dir, "--by", "region,region"])
        #expect(stats.status == 64 && stats.stderr.contains("given twice") && !stats.signalled, "\(stats.status) \(stats.stderr)")
    }

    /// Every refusal, from a route or from the HTTP layer, is the JSON of error.schema.json;
    /// parameters the OpenAPI document does not declare, or declares with bounds, are refused as
    /// it says; nothing refused changes the log.
    @Test func everyRefusalIsAJSONErrorAndChangesNothing() throws {
        let d = TempDir()
        let (dir, key, origin) = try city(d)
        let server = try ServerProcess(dir: dir)
        let base = server.base
        let info = try HTTP.get("\(base)/v1/info").json
        func refused(_ r: HTTP.Reply, _ status: Int, _ rule: String, field: String? = nil, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(r.status == status && isErrorBody(r.json, status: status) && r.json["error"]?["rule"]?.stringValue == rule
                    && (field == nil || r.json["error"]?["field"]?.stringValue == field), "\(what): \(r.status) \(r.text)", sourceLocation: sourceLocation)
        }
        refused(try HTTP.get("\(base)/nope"), 404, "not_found", "unknown path")
        refused(try HTTP.get("\(base)/v1/accounts/r-00001/holdings/more"), 404, "not_found", "a segment too many")
        let delete = try HTTP.request("DELETE", "\(base)/v1/entries")
        refused(delete, 405, "request.method", "DELETE on a GET route")
        // HEAD carries no body: its 405 is the status and Allow alone.
        let head = try HTTP.request("HEAD", "\(base)/v1/info")
        #expect(head.status == 405 && head.headers["allow"] == "GET", "HEAD: \(head.status) \(head.headers)")
        #expect(delete.headers["allow"] == "GET")
        let get = try HTTP.get("\(base)/v1/submissions")
        refused(get, 405, "request.method", "GET on the POST route")
        #expect(get.headers["allow"] == "POST")
        let note = try note("typed", key: key, origin: origin)
        refused(try HTTP.post("\(base)/v1/submissions", note, headers: ["Content-Type": "application/x-www-form-urlencoded"]), 415, "request.content_type",
                field: "Content-Type", "a form post")
        refused(try HTTP.post("\(base)/v1/submissions", note, headers: ["Content-Type": "text/plain"]), 415, "request.content_type", "text/plain")
        let untyped = try RawConnection.exchange(port: server.port, Array("POST /v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Length: \(note.count)\r\n\r\n".utf8) + note,
                                                 finish: true)
        #expect(untyped.status == 415 && isErrorBody(untyped.json, status: 415), "no Content-Type: \(untyped)")
        for (query, field) in [("entries?limit=0", "limit"), ("entries?limit=1001", "limit"), ("checkpoints?limit=0", "limit"), ("entries?from=-1", "from"),
                               ("entries?lim=1", "lim"), ("entries?from=1&from=2", "from"), ("stats?format=xml", "format"), ("stats?by=region,", "by"),
                               ("stats?by=" + String(repeating: "region,", count: 20), "by"), ("search?q=" + String(repeating: "9", count: 10_000), "q"),
                               ("accounts/r-00001?history=1001", "history"), ("accounts/R-00001", "id"), ("accounts/..%2F..%2Fetc", "id"),
                               ("proofs/inclusion?seq=1&size=0", "size"), ("proofs/consistency?from=0", "from"), ("proofs/inclusion", "seq"),
                               ("retirements/" + String(repeating: "a", count: 65) + "/certificate", "id"), ("info?x=1", "x")] {
            refused(try HTTP.get("\(base)/v1/\(query)"), 400, "request.parameter", field: field, String(query.prefix(60)))
        }
        let history = try HTTP.get("\(base)/v1/accounts/r-00001?history=1").json["history"]?.arrayValue
        #expect(history?.count == 1, "history=1 is honoured")
        #expect(try HTTP.get("\(base)/v1/stats?format=csv").headers["content-type"]?.hasPrefix("text/csv") == true)
        // Bytes that are not HTTP: a JSON error, then the connection is closed.
        let chunk = try RawConnection.exchange(port: server.port, Array(
            "POST /v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n".utf8))
        #expect(chunk.status == 400 && isErrorBody(chunk.json, status: 400) && chunk.json["error"]?["rule"] == "request.framing", "bad chunk size: \(chunk)")
        let traversal = try RawConnection.exchange(port: server.port, Array("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(traversal.status == 404 && isErrorBody(traversal.json, status: 404), "unencoded traversal: \(traversal)")
        #expect(try HTTP.get("\(base)/v1/info").json["size"] == info["size"], "nothing refused was appended")
        #expect(server.stop() == 0)
        // One log line per request, with its route, status and rule.
        #expect(server.output.text.contains("route=/v1/entries rule=request.method status=405"), "\(server.output.text.suffix(2000))")
    }

    @Test func mirrorRaisesTheAlarmWhenTheServerForksOrRollsBack() throws {
        let d = TempDir()
        let (dir, key, origin) = try city(d)
        try FileManager.default.copyItem(atPath: dir, toPath: d.sub("fork"))      // history until now
        try FileManager.default.copyItem(atPath: dir, toPath: d.sub("older"))
        let a = try ServerProcess(dir: dir)
        #expect(try HTTP.post("\(a.base)/v1/submissions", try note("honest 1", key: key, origin: origin)).status == 200)
        #expect(try CLI.run(["mirror", "--from", a.base + "/", "--dir", d.sub("replica")]).status == 0)
        #expect(a.stop() == 0)
        // The same registry key signs a different history of the same length and more.
        let b = try ServerProcess(dir: d.sub("fork"))
        for t in ["rewritten 1", "rewritten 2"] { #expect(try HTTP.post("\(b.base)/v1/submissions", try note(t, key: key, origin: origin)).status == 200) }
        let alarm = try CLI.run(["mirror", "--from", b.base + "/", "--dir", d.sub("replica")])
        #expect(alarm.status == 2 && alarm.stderr.contains("FORK DETECTED"), "\(alarm.stdout) \(alarm.stderr)")
        #expect(b.stop() == 0)
        // A server rolled back to an older copy of its files is caught too.
        let old = try ServerProcess(dir: d.sub("older"))
        let rollback = try CLI.run(["mirror", "--from", old.base + "/", "--dir", d.sub("replica")])
        #expect(rollback.status == 2 && rollback.stderr.contains("FORK DETECTED") && rollback.stderr.contains("rolled back"), "\(rollback.stderr)")
        #expect(old.stop() == 0)
        // The replica kept its verified history.
        #expect(try CLI.run(["verify", "--dir", d.sub("replica")]).status == 0)
    }

    /// A server whose log is correctly signed (the registry's key re-signed the checkpoint after
    /// the files were edited) but holds an entry that breaks a rule: the mirror refuses it.
    @Test func mirrorRefusesARuleBreakingEntryDespiteValidSignatures() throws {
        let d = TempDir()
        let (dir, key, origin) = try city(d)
        let honest = try ServerProcess(dir: dir)
        #expect(try CLI.run(["mirror", "--from", honest.base + "/", "--dir", d.sub("replica")]).status == 0)
        #expect(honest.stop() == 0)
        // A note signed by a key that was never registered, written straight into the files.
        let stranger = try NoteSigningKey.generate(name: "stranger")
        let bad = try Submission.Unsigned(events: [["type": "note", "text": "I am not registered"]]).signed(by: stranger, origin: origin)
        try ForgedAppend.append([bad], to: try Ledger(directory: dir), registryKey: key)
        let server = try ServerProcess(dir: dir)
        let alarm = try CLI.run(["mirror", "--from", server.base + "/", "--dir", d.sub("replica")])
        #expect(alarm.status == 2 && alarm.stderr.contains("BAD ENTRIES FROM THE SERVER") && alarm.stderr.contains("auth.unknown_key"), "\(alarm.stderr)")
        #expect(try CLI.run(["verify", "--dir", d.sub("replica")]).status == 0)
        #expect(server.stop() == 0)
    }

    /// SIGTERM while submissions are in flight: the server stops accepting, finishes the commits
    /// it acknowledged, exits 0, and every acknowledged submission is in the verified log.
    @Test func gracefulShutdownKeepsEveryAcknowledgedSubmission() throws {
        let d = TempDir()
        let key = try NoteSigningKey.generate(name: "reg")
        try LedgerDirectory.writeSigningKey(key, to: d.sub("reg.key"))
        #expect(try CLI.run(["init", "--dir", d.sub("L"), "--origin", "shutdown.test/log", "--key", d.sub("reg.key")]).status == 0)
        let server = try ServerProcess(dir: d.sub("L"), extra: ["--rate", "100000"])
        let acked = Collected()
        // Each client submits until a request is refused or fails, which only the shutdown
        // brings: it comes while every client has a submission in flight or about to be.
        let group = onThreads(8) { c in
            for n in 0... {
                guard let body = try? self.note("c\(c)-\(n)", key: key, origin: "shutdown.test/log"),
                      let r = try? HTTP.post("\(server.base)/v1/submissions", body), r.status == 200 else { return }
                if let seq = r.json["first_seq"]?.intValue { acked.append(Data("\(seq) c\(c)-\(n)\n".utf8)) }
            }
        }
        group.notify(queue: .global()) { acked.end() }
        // Stop once enough submissions are acknowledged (observed, however slow the machine).
        #expect(acked.wait(forLines: 40), "the clients stopped before 40 acknowledgements: \(server.output.text.suffix(500))")
        #expect(server.stop() == 0)
        group.wait()
        let lines = acked.lines.map { $0.split(separator: " ") }
        #expect(lines.count >= 40, "too few submissions acknowledged before the shutdown to prove anything")
        let verify = try CLI.run(["verify", "--dir", d.sub("L")])
        #expect(verify.status == 0)
        let store = try LogStore(path: d.sub("L"))
        // The server flushed the state it wrote without fsync, so a reboot would trust it.
        let (size, synced) = try store.read { r in (try r.metaU64(.size), try r.metaU64(.stateSynced)) }
        #expect(synced != nil && synced == size, "the server did not record its state as flushed: \(String(describing: synced)) of \(String(describing: size))")
        // And wrote the rules checkpoint up to its last commit: its next start replays nothing.
        let checkpoint = try store.ruleCheckpoints().forEachRecord { _, _ in }
        #expect(checkpoint?.size == size, "rules checkpoint at \(String(describing: checkpoint)), log at \(String(describing: size))")
        for parts in lines {
            let bytes = try store.read { try $0.entryBytes(UInt64(parts[0])!) }
            let entry = try Entry.decode(try #require(bytes, "acknowledged seq \(parts[0]) is missing"))
            #expect(entry.event["text"]?.stringValue == String(parts[1]))
        }
    }

    /// The explorer in a real headless Chromium: open a retirement, let the page verify its
    /// certificate with Web Crypto, and read what a person sees; search a serial number.
    @Test func explorerVerifiesACertificateInChromium() throws {
        let d = TempDir()
        let (dir, _, _) = try city(d)
        let server = try ServerProcess(dir: dir)
        let rets = try HTTP.get("\(server.base)/v1/retirements").json.arrayValue!
        let id = rets[1]["id"]!.stringValue!
        func dom(_ fragment: String) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000", "--dump-dom", "\(server.base)/#\(fragment)"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let page = try dom("retirement=\(id)")
        #expect(page.contains("class=\"ok\">Certificate verified: \(rets[1]["amount_t"]!.stringValue!) t CO2e retired for \(rets[1]["beneficiary"]!.stringValue!)"), "\(page.prefix(2000))")
        #expect(page.components(separatedBy: "<li class=\"pass\">").count - 1 == 6)
        #expect(!page.contains("class=\"fail\""))
        #expect(page.contains("carbonledger.example/shenzhen") && page.contains("ret-byd-") && page.contains("Totals by scenario"))
        let serial = rets[0]["serials"]!.arrayValue![0].stringValue!
        let found = try dom("search=\(serial)")
        #expect(found.contains("retired by retirement \(rets[0]["id"]!.stringValue!)") && found.contains("Certificate verified"))
        #expect(server.stop() == 0)
    }
}
