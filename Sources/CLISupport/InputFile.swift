import Foundation

/// The bytes of a file named on the command line, or of standard input for `-`.
public func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let d = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot be read (missing or no permission)") }
    return Array(d)
}
