import Foundation

/// Settings of a stored specification that this version of ae does not know.
///
/// Decoding ignores keys it has no field for, so a run written by a newer ae (say with `--ema`, `--schedule` for a
/// GAN, or a setting yet to come) would be resumed or evaluated here as a *different* configuration, without a
/// word. The stored JSON is compared with the decoded value encoded again: a key that the stored object has (with a
/// non-null value) and the re-encoded one lacks is a setting this version dropped. Returns their dotted paths
/// ("gan.ema"), sorted; nested objects are compared key by key, arrays and values are not inspected.
func unknownSettings<T: Encodable>(stored json: String, decoded: T) throws -> [String] {
    func object(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }
    func missing(_ stored: Any, _ known: Any, _ path: String) -> [String] {
        guard let stored = stored as? [String: Any], let known = known as? [String: Any] else { return [] }
        return stored.keys.sorted().flatMap { key -> [String] in
            let here = path.isEmpty ? key : "\(path).\(key)"
            guard let value = stored[key], !(value is NSNull) else { return [] }
            guard let counterpart = known[key] else { return [here] }
            return missing(value, counterpart, here)
        }
    }
    return missing(try object(json), try object(jsonString(decoded)), "")
}

/// Throws when `json` (attribute `attribute` of `file`) holds settings this version of ae does not know.
func requireKnownSettings<T: Encodable>(_ json: String, decoded: T, attribute: String, file: String) throws {
    let unknown = try unknownSettings(stored: json, decoded: decoded)
    guard unknown.isEmpty else {
        throw RunError("\(file) was written by a newer ae: this one (\(aeVersion)) does not know the setting(s) "
                       + "\(unknown.joined(separator: ", ")) in \(attribute) and would silently drop them; use the ae that wrote it")
    }
}
