import Foundation
import Testing
import LedgerCore

/// The rule ids are one enum: SPEC.md section 8.22 lists exactly its cases, and its status table
/// gives every case the HTTP status `httpStatus` gives it.
@Suite struct RuleIDTests {
    static func section() throws -> Substring {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SPEC.md")
        let spec = try String(contentsOf: url, encoding: .utf8)
        let start = try #require(spec.range(of: "### 8.22 Rule ids")), end = try #require(spec.range(of: "### 8.23"))
        return spec[start.upperBound..<end.lowerBound]
    }

    /// The backquoted rule ids of the table rows of `text` that `row` accepts, by row.
    static func ids(_ text: Substring, rows row: (Substring) -> Bool) -> [Substring: [String]] {
        var out: [Substring: [String]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") && row(line) {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            let ids = cells[1].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            out[Substring(cells[0]), default: []] += ids
        }
        return out
    }

    @Test func specListsEveryRuleIdAndNoOther() throws {
        let text = try Self.section()
        let table = text[..<(try #require(text.range(of: "| status |"))).lowerBound]
        // Each row's first cell holds its ids.
        var listed = Set<String>()
        for line in table.split(separator: "\n") where line.hasPrefix("| `") {
            // `TYPE.fields` is one rule; the row's example of it, in parentheses, is not another.
            let first = line.split(separator: "|")[0].split(separator: "(")[0]
            for (i, part) in first.split(separator: "`", omittingEmptySubsequences: false).enumerated() where i % 2 == 1 { listed.insert(String(part)) }
        }
        let cases = Set(RuleID.allCases.map(\.rawValue)).subtracting([RuleID.registryKeyUnavailable.rawValue])
        #expect(listed.subtracting(cases).isEmpty, "in SPEC 8.22, not in RuleID: \(listed.subtracting(cases).sorted())")
        #expect(cases.subtracting(listed).isEmpty, "in RuleID, not in SPEC 8.22: \(cases.subtracting(listed).sorted())")
        #expect(listed.contains("TYPE.fields") && RuleID.fields.rawValue == "TYPE.fields")
    }

    @Test func specsStatusTableIsTheEnumsTable() throws {
        let text = try Self.section()
        let statuses = text[(try #require(text.range(of: "| status |"))).lowerBound...]
        let rows = Self.ids(statuses) { $0.first(where: \.isNumber) != nil }
        let named = rows.flatMap { status, ids in ids.map { ($0, Int(status)) } }
        for (id, status) in named {
            let rule = try #require(RuleID(rawValue: id), "SPEC's status table names \(id)")
            #expect(rule.httpStatus == status, "\(id): SPEC says \(status ?? 0), httpStatus \(rule.httpStatus)")
        }
        // Every rule the table does not name is 422.
        let listed = Set(named.map(\.0))
        for rule in RuleID.allCases where !listed.contains(rule.rawValue) { #expect(rule.httpStatus == 422, "\(rule.rawValue)") }
        #expect(Set(RuleID.allCases.map(\.httpStatus)) == [400, 401, 403, 409, 422])
    }

    @Test func aFieldsViolationIsNamedAfterItsEventType() {
        let v = RuleViolation(field: "units", rule: .fields, eventType: "units.retire", message: "x")
        #expect(v.id == "units.retire.fields" && v.description.hasSuffix("[rule units.retire.fields]"))
        #expect(RuleViolation(field: "type", rule: .eventType, message: "x").id == "event.type")
    }
}
