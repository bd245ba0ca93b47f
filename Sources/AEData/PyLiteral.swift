/// The subset of Python literal syntax found in `.npy` headers: a dict with string keys whose values are
/// strings, `True`/`False`/`None`, integers, tuples of integers, or lists (kept opaque).
/// Tolerates any whitespace, either quote, trailing commas and Python 2 `L` suffixes (`(3L, 4L)`).
enum PyLiteral: Equatable {
    case string(String)
    case bool(Bool)
    case none
    case int(Int)
    case tuple([Int])
    /// A list or other nested value the NPY reader does not interpret (e.g. a structured dtype).
    case other

    struct ParseError: Error {
        let message: String
    }

    /// Parses `text` (a dict literal, optionally followed by whitespace).
    static func parseDict(_ text: String) throws -> [String: PyLiteral] {
        var p = Parser(chars: Array(text.unicodeScalars))
        let dict = try p.dict()
        p.skipSpace()
        guard p.atEnd else { throw ParseError(message: "unexpected text after the dict at offset \(p.i)") }
        return dict
    }

    private struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0

        var atEnd: Bool { i >= chars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : chars[i] }

        mutating func skipSpace() {
            while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1 }
        }

        mutating func expect(_ c: Unicode.Scalar) throws {
            skipSpace()
            guard peek == c else { throw ParseError(message: "expected '\(c)' at offset \(i)") }
            i += 1
        }

        /// Consumes `c` (after whitespace) if it is next.
        mutating func accept(_ c: Unicode.Scalar) -> Bool {
            skipSpace()
            if peek == c { i += 1; return true }
            return false
        }

        mutating func dict() throws -> [String: PyLiteral] {
            try expect("{")
            var out: [String: PyLiteral] = [:]
            while !accept("}") {
                skipSpace()
                guard case .string(let key) = try value() else { throw ParseError(message: "dict key at offset \(i) is not a string") }
                try expect(":")
                out[key] = try value()
                if accept("}") { break }
                try expect(",")
            }
            return out
        }

        mutating func value() throws -> PyLiteral {
            skipSpace()
            guard let c = peek else { throw ParseError(message: "unexpected end") }
            switch c {
            case "'", "\"": return .string(try string())
            case "(": return try tuple()
            case "[": try skipNested(open: "[", close: "]"); return .other
            case "{": _ = try dict(); return .other
            case "-", "0"..."9": return .int(try int())
            default:
                for (word, v) in [("True", PyLiteral.bool(true)), ("False", .bool(false)), ("None", .none)] {
                    let w = Array(word.unicodeScalars)
                    if chars.count - i >= w.count, Array(chars[i..<(i + w.count)]) == w { i += w.count; return v }
                }
                throw ParseError(message: "unexpected '\(c)' at offset \(i)")
            }
        }

        mutating func string() throws -> String {
            let quote = chars[i]
            i += 1
            var s = String.UnicodeScalarView()
            while let c = peek, c != quote {
                if c == "\\" { i += 1; guard !atEnd else { break } }
                s.append(chars[i])
                i += 1
            }
            guard peek == quote else { throw ParseError(message: "unterminated string") }
            i += 1
            return String(s)
        }

        mutating func int() throws -> Int {
            let start = i
            if peek == "-" { i += 1 }
            while let c = peek, ("0"..."9").contains(c) { i += 1 }
            guard let v = Int(String(String.UnicodeScalarView(chars[start..<i]))) else {
                throw ParseError(message: "bad integer at offset \(start)")
            }
            if peek == "L" || peek == "l" { i += 1 }
            return v
        }

        mutating func tuple() throws -> PyLiteral {
            try expect("(")
            var items: [Int] = []
            while !accept(")") {
                skipSpace()
                guard case .int(let v) = try value() else { throw ParseError(message: "non-integer in tuple at offset \(i)") }
                items.append(v)
                if accept(")") { break }
                try expect(",")
            }
            return .tuple(items)
        }

        mutating func skipNested(open: Unicode.Scalar, close: Unicode.Scalar) throws {
            var depth = 0
            repeat {
                guard let c = peek else { throw ParseError(message: "unterminated '\(open)'") }
                if c == "'" || c == "\"" { _ = try string(); continue }
                if c == open { depth += 1 } else if c == close { depth -= 1 }
                i += 1
            } while depth > 0
        }
    }
}
