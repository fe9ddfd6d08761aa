/// Why a submission was refused before any rule ran.
public enum SubmissionError: Error, Equatable, CustomStringConvertible {
    case notJSON(JSONError)
    case field(String, String)
    case eventCount(Int)
    case badSignature(signer: String)

    public var description: String {
        switch self {
        case .notJSON(let e): return "submission is not valid JSON: \(e)"
        case .field(let f, let why): return "submission field \"\(f)\": \(why)"
        case .eventCount(let n): return "submission field \"events\": must hold 1 to \(Submission.maxEvents) events, got \(n)"
        case .badSignature(let s): return "submission field \"signature\": not a valid Ed25519 signature by \(s) over this ledger's submission statement"
        }
    }
}
