/// Why stored or received bytes are not a valid entry.
public enum EntryError: Error, Equatable, CustomStringConvertible {
    case json(JSONError)
    case field(String, String)

    public var description: String {
        switch self {
        case .json(let e): return "entry is not canonical JSON: \(e)"
        case .field(let f, let why): return "entry field \"\(f)\": \(why)"
        }
    }
}
