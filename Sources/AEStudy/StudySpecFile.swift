import Foundation
import Yams

extension StudyDefinition {
    /// `base` with the specification file `file` laid over it: YAML for `.yaml`/`.yml` files, JSON otherwise.
    /// Both go through the same JSON overlay, so they accept exactly the same keys and give the same errors.
    public static func parse(specFile contents: Data, over base: Self, file: String) throws -> Self {
        let ext = (file as NSString).pathExtension.lowercased()
        guard ext == "yaml" || ext == "yml" else { return try parse(json: contents, over: base, file: file) }
        return try parse(json: try yamlAsJSON(contents, file: file), over: base, file: file)
    }
}

/// A YAML document as the equivalent JSON text. Only what JSON can say is accepted (mappings with string
/// keys, sequences, strings, numbers, booleans, null); YAML extras such as timestamps are an error.
func yamlAsJSON(_ contents: Data, file: String) throws -> Data {
    func fail(_ message: String) -> StudyError { StudyError("\(file): \(message)") }
    guard let text = String(data: contents, encoding: .utf8) else { throw fail("not UTF-8 text") }
    let document: Any?
    do {
        document = try Yams.load(yaml: text)
    } catch {
        let message = "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
        throw fail("not valid YAML: \(message)")
    }
    guard let document, let object = try jsonValue(document, at: "", fail: fail) as? [String: Any] else {
        throw fail("expected a YAML mapping of specification keys")
    }
    return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
}

/// `value` with YAML's containers turned into the ones JSONSerialization writes, checked recursively.
private func jsonValue(_ value: Any, at path: String, fail: (String) -> StudyError) throws -> Any {
    switch value {
    case let mapping as [AnyHashable: Any]:
        var out: [String: Any] = [:]
        for (key, inner) in mapping {
            guard let name = key.base as? String else { throw fail("key '\(key)' at '\(path)' is not a string") }
            out[name] = try jsonValue(inner, at: path.isEmpty ? name : "\(path).\(name)", fail: fail)
        }
        return out
    case let sequence as [Any]:
        return try sequence.map { try jsonValue($0, at: path, fail: fail) }
    case let number as Double where !number.isFinite:
        throw fail("value at '\(path)' is \(number), not a finite number")
    case is String, is Int, is Double, is Bool, is NSNull:
        return value
    default:
        throw fail("value at '\(path)' is a \(type(of: value)), not a string, number, boolean or list")
    }
}
