/// `data/MANIFEST`: one line per shipped file, `<sha256 hex of the uncompressed bytes>  <path relative to data/>`
/// (the `sha256sum` format). Blank lines and lines starting with `#` are ignored.
public struct Manifest: Sendable, Equatable {
    /// Relative path → lower-case hex SHA-256.
    public var entries: [String: String]
    /// Where it was read from (for error messages).
    public let path: String

    public init(entries: [String: String], path: String) {
        self.entries = entries
        self.path = path
    }

    /// Reads `<dataDir>/MANIFEST`.
    public static func load(dataDir: String) throws -> Manifest {
        let path = dataDir + "/MANIFEST"
        return try parse(String(decoding: FileBytes.read(path), as: UTF8.self), path: path)
    }

    /// Parses manifest text; malformed lines are errors that name the line.
    public static func parse(_ text: String, path: String) throws -> Manifest {
        var entries: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2 else { throw DataError(.badHeader, path, "line \(n + 1): expected '<sha256>  <path>'") }
            let hash = parts[0].lowercased()
            var file = parts[1].trimmingWhitespace()
            if file.hasPrefix("*") { file.removeFirst() }  // sha256sum binary-mode marker
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw DataError(.badHeader, path, "line \(n + 1): '\(parts[0])' is not a SHA-256 hex digest")
            }
            entries[String(file)] = hash
        }
        return Manifest(entries: entries, path: path)
    }

    /// Checks the uncompressed `bytes` of `relativePath` against the manifest and returns their hash.
    /// Files the manifest does not list are hashed but not checked.
    @discardableResult
    public func verify(_ relativePath: String, bytes: [UInt8], fullPath: String) throws -> String {
        let actual = SHA256.hex(bytes)
        if let expected = entries[relativePath], expected != actual {
            throw DataError(.checksumMismatch, fullPath,
                            "SHA-256 of the uncompressed data is \(actual), \(path) says \(expected)")
        }
        return actual
    }

    /// Reads `<base>/<relativePath>`, decodes it (`decode`, e.g. gunzip: the manifest hashes uncompressed bytes) and
    /// checks the result against the manifest; with `mustBeListed`, a file the manifest does not list is an error
    /// too. Returns the decoded bytes and their hash. Errors name the file.
    public func readVerified(_ relativePath: String, base: String, mustBeListed: Bool,
                             decode: ([UInt8]) throws -> [UInt8] = { $0 }) throws -> (bytes: [UInt8], sha256: String) {
        let fullPath = base + "/" + relativePath
        if mustBeListed, entries[relativePath] == nil {
            throw DataError(.checksumMismatch, fullPath, "not listed in \(path)")
        }
        let content = try decode(try FileBytes.read(fullPath))
        return (content, try verify(relativePath, bytes: content, fullPath: fullPath))
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> Substring {
        let s = self[...]
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = s.firstIndex(where: { !isSpace($0) }), let last = s.lastIndex(where: { !isSpace($0) }) else {
            return Substring()
        }
        return Substring(s[first...last])
    }
}
