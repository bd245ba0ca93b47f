import CHDF5
import Foundation

// `ae inspect`: a read-only walk over any HDF5 file (ours or h5py's) into a tree of `H5Node`s, and a text
// rendering of that tree. Nothing here writes to the file.

/// One value of an attribute or dataset, already turned into text: numbers as Swift prints them, strings as
/// stored (the renderer quotes and shortens them).
public enum H5Value: Equatable, Sendable {
    case number(String)
    case string(String)
}

/// The first values of an attribute or dataset, and how many it holds in all.
public struct H5Values: Equatable, Sendable {
    public var items: [H5Value]
    public var total: Int
}

/// An attribute: its element type (e.g. "int64", "str", "char[12]"), shape ([] for a scalar, nil for an
/// empty dataspace) and values (nil when the type has no text form, e.g. compounds).
public struct H5Attribute: Equatable, Sendable {
    public var name: String
    public var dtype: String
    public var shape: [Int]?
    public var values: H5Values?
}

/// One object of an HDF5 file as `ae inspect` shows it.
public struct H5Node: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case group
        case dataset
        /// A named (committed) datatype; its type is in `dtype`.
        case datatype
        /// A soft link, not followed; the target path.
        case softLink(String)
        /// A link into another file ("file.h5:/path"), not followed.
        case externalLink(String)
        /// A user-defined link type.
        case otherLink
    }

    public var kind: Kind
    /// The link name; for the node the walk started at, its full path.
    public var name: String
    public var path: String
    /// Datasets and named datatypes: the element type ("float32", "int64", "str", "char[12]", "bool", …).
    public var dtype: String?
    /// Datasets: the dimensions ([] for a scalar, nil for an empty dataspace).
    public var shape: [Int]?
    /// Storage remarks: "chunked [10, 100]", "shuffle", "gzip 4", "compact", "max [unlimited, 32]", and
    /// "hard link back to an enclosing group" for a group that is not walked again.
    public var notes: [String] = []
    /// Sorted by name.
    public var attributes: [H5Attribute] = []
    /// Datasets, when values were asked for.
    public var values: H5Values?
    /// Groups: members sorted by name.
    public var children: [H5Node] = []

    /// The node at `relativePath` ("a/b") below this one.
    public func descendant(_ relativePath: String) -> H5Node? {
        relativePath.split(separator: "/").reduce(self as H5Node?) { node, name in
            node?.children.first { $0.name == name }
        }
    }
}

/// Groups nested deeper than this are listed but not walked into (only a pathological file gets there).
private let maxDepth = 256

extension H5File {
    /// The tree below `object` ("/" for the whole file): groups, datasets with type, shape and storage,
    /// attributes with values, and the first `values` values of every dataset. Soft and external links are
    /// shown, not followed (except when `object` itself names one).
    public func inspect(_ object: String = "/", values: Int = 0) throws -> H5Node {
        let normalized = "/" + object.split(separator: "/").joined(separator: "/")
        guard exists(normalized) else { throw H5Error("\(path): no object \(normalized)") }
        return try objectNode(name: normalized, path: normalized, values: max(0, values), ancestors: [])
    }

    /// Identity of an object within the file, to notice hard links back into an enclosing group.
    private struct ObjectKey: Hashable { var high: UInt64, low: UInt64 }

    private func linkNode(name: String, path object: String, values: Int, ancestors: Set<ObjectKey>) throws -> H5Node {
        var target = [CChar](repeating: 0, count: 4096)
        let kind = ae_h5l_describe(id, object, &target, target.count)
        let targetText = cString(target)
        switch kind {
        case 0: return try objectNode(name: name, path: object, values: values, ancestors: ancestors)
        case 1: return H5Node(kind: .softLink(targetText), name: name, path: object)
        case 2: return H5Node(kind: .externalLink(targetText), name: name, path: object)
        case 3: return H5Node(kind: .otherLink, name: name, path: object)
        default: throw H5Error("\(path): cannot read the link \(object)")
        }
    }

    private func objectNode(name: String, path object: String, values: Int, ancestors: Set<ObjectKey>) throws -> H5Node {
        let obj = H5Oopen(id, object, ae_h5p_default())
        guard obj >= 0 else { throw H5Error("\(path): cannot open \(object) (dangling link or damaged file?)") }
        defer { H5Oclose(obj) }
        let attributes = try self.attributes(of: obj, at: object)
        switch H5Iget_type(obj) {
        case H5I_GROUP:
            var node = H5Node(kind: .group, name: name, path: object, attributes: attributes)
            var key = ObjectKey(high: 0, low: 0)
            guard ae_h5o_key(obj, &key.high, &key.low) >= 0 else { throw H5Error("\(path): cannot read \(object)") }
            if ancestors.contains(key) || ancestors.count >= maxDepth {
                node.notes = [ancestors.contains(key) ? "hard link back to an enclosing group" : "nested too deep; not shown"]
                return node
            }
            node.children = try children(of: object).map { child in
                try linkNode(name: child, path: (object == "/" ? "" : object) + "/" + child,
                             values: values, ancestors: ancestors.union([key]))
            }
            return node
        case H5I_DATASET:
            return try datasetNode(obj, name: name, path: object, attributes: attributes, values: values)
        case H5I_DATATYPE:
            return H5Node(kind: .datatype, name: name, path: object, dtype: describeType(obj), attributes: attributes)
        default:
            throw H5Error("\(path): \(object) is not a group, dataset or datatype")
        }
    }

    private func datasetNode(_ ds: hid_t, name: String, path object: String, attributes: [H5Attribute], values: Int) throws -> H5Node {
        let type = H5Dget_type(ds)
        defer { H5Tclose(type) }
        let space = H5Dget_space(ds)
        defer { H5Sclose(space) }
        let extent = try dataspace(space, object)
        var node = H5Node(kind: .dataset, name: name, path: object, dtype: describeType(type), shape: extent.shape,
                          notes: storageNotes(ds) + maxShapeNote(extent), attributes: attributes)
        if values > 0 {
            node.values = try firstValues(of: ds, type: type, space: space, shape: extent.shape ?? [], limit: values, object)
        }
        return node
    }

    // MARK: dataspaces

    /// Dimensions ([] scalar, nil empty) and maximum dimensions of a dataspace.
    private func dataspace(_ space: hid_t, _ object: String) throws -> (shape: [Int]?, max: [hsize_t], dims: [hsize_t]) {
        guard space >= 0 else { throw H5Error("\(path): unreadable dataspace of \(object)") }
        switch H5Sget_simple_extent_type(space) {
        case H5S_NULL: return (nil, [], [])
        case H5S_SCALAR: return ([], [], [])
        default:
            let rank = Int(H5Sget_simple_extent_ndims(space))
            guard rank >= 0 else { throw H5Error("\(path): unreadable dataspace of \(object)") }
            var dims = [hsize_t](repeating: 0, count: rank), maxDims = dims
            H5Sget_simple_extent_dims(space, &dims, &maxDims)
            return (dims.map { Int($0) }, maxDims, dims)
        }
    }

    /// "max [unlimited, 32]" for a dataset that can grow (h5py `maxshape`).
    private func maxShapeNote(_ extent: (shape: [Int]?, max: [hsize_t], dims: [hsize_t])) -> [String] {
        guard extent.max != extent.dims else { return [] }
        return ["max [" + extent.max.map { $0 == hsize_t.max ? "unlimited" : "\($0)" }.joined(separator: ", ") + "]"]
    }

    // MARK: storage

    /// Layout and filters: "chunked [10, 100]", "compact", "external", "shuffle", "gzip 4", "szip", ….
    private func storageNotes(_ ds: hid_t) -> [String] {
        let dcpl = H5Dget_create_plist(ds)
        guard dcpl >= 0 else { return [] }
        defer { H5Pclose(dcpl) }
        var notes: [String] = []
        switch H5Pget_layout(dcpl) {
        case H5D_CHUNKED:
            var chunk = [hsize_t](repeating: 0, count: 32)
            let rank = Int(H5Pget_chunk(dcpl, Int32(chunk.count), &chunk))
            notes.append("chunked [" + chunk.prefix(max(0, rank)).map { "\($0)" }.joined(separator: ", ") + "]")
        case H5D_COMPACT: notes.append("compact")
        default: break
        }
        if H5Pget_external_count(dcpl) > 0 { notes.append("external") }
        for index in 0..<max(0, H5Pget_nfilters(dcpl)) {
            var flags: UInt32 = 0, config: UInt32 = 0
            var parameters = [UInt32](repeating: 0, count: 8), count = parameters.count
            var name = [CChar](repeating: 0, count: 256)
            let filter = H5Pget_filter2(dcpl, UInt32(index), &flags, &count, &parameters, name.count, &name, &config)
            notes.append(filterName(filter, parameters: Array(parameters.prefix(min(count, parameters.count))), name: cString(name)))
        }
        return notes
    }

    private func filterName(_ filter: H5Z_filter_t, parameters: [UInt32], name: String) -> String {
        switch filter {
        case H5Z_FILTER_DEFLATE: return parameters.first.map { "gzip \($0)" } ?? "gzip"
        case H5Z_FILTER_SHUFFLE: return "shuffle"
        case H5Z_FILTER_FLETCHER32: return "fletcher32"
        case H5Z_FILTER_SZIP: return "szip"
        case H5Z_FILTER_NBIT: return "nbit"
        case H5Z_FILTER_SCALEOFFSET: return "scaleoffset"
        default: return name.isEmpty ? "filter \(filter)" : "\(name) (filter \(filter))"
        }
    }

    // MARK: types

    /// A short name for an HDF5 type: "float32", "uint8", "int16be", "str" (variable-length UTF-8),
    /// "ascii-str", "char[12]" (fixed-length ASCII), "utf8-char[12]", "bool" (h5py's enum), "enum(int32){A, B}",
    /// "compound{x: float32, y: int64}", "array(float32, [3])", "vlen(int32)", "reference", "opaque[8]".
    func describeType(_ type: hid_t) -> String {
        let size = H5Tget_size(type)
        let bigEndian = H5Tget_order(type) == H5T_ORDER_BE ? "be" : ""
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)" + bigEndian
        case H5T_FLOAT:
            return "float\(size * 8)" + bigEndian
        case H5T_STRING:
            let utf8 = H5Tget_cset(type) == H5T_CSET_UTF8
            if H5Tis_variable_str(type) > 0 { return utf8 ? "str" : "ascii-str" }
            return (utf8 ? "utf8-" : "") + "char[\(size)]"
        case H5T_ENUM:
            let names = enumMemberNames(type)
            if names == ["FALSE", "TRUE"] { return "bool" }
            return "enum(\(superTypeDescription(type))){" + names.joined(separator: ", ") + "}"
        case H5T_COMPOUND:
            let fields = (0..<max(0, H5Tget_nmembers(type))).map { i -> String in
                let member = H5Tget_member_type(type, UInt32(i))
                defer { H5Tclose(member) }
                return "\(ownedCString(H5Tget_member_name(type, UInt32(i)))): \(describeType(member))"
            }
            return "compound{" + fields.joined(separator: ", ") + "}"
        case H5T_ARRAY:
            var dims = [hsize_t](repeating: 0, count: 32)
            let rank = Int(H5Tget_array_dims2(type, &dims))
            return "array(\(superTypeDescription(type)), [" + dims.prefix(max(0, rank)).map { "\($0)" }.joined(separator: ", ") + "])"
        case H5T_VLEN: return "vlen(\(superTypeDescription(type)))"
        case H5T_REFERENCE: return "reference"
        case H5T_OPAQUE: return "opaque[\(size)]"
        case H5T_BITFIELD: return "bitfield\(size * 8)" + bigEndian
        case H5T_TIME: return "time"
        default: return "unknown"
        }
    }

    private func superTypeDescription(_ type: hid_t) -> String {
        let base = H5Tget_super(type)
        guard base >= 0 else { return "?" }
        defer { H5Tclose(base) }
        return describeType(base)
    }

    private func enumMemberNames(_ type: hid_t) -> [String] {
        (0..<max(0, H5Tget_nmembers(type))).map { ownedCString(H5Tget_member_name(type, UInt32($0))) }
    }

    // MARK: attributes

    /// All attributes of an open object, sorted by name, with their values.
    private func attributes(of obj: hid_t, at object: String) throws -> [H5Attribute] {
        var names: [String] = []
        let status = withUnsafeMutablePointer(to: &names) { namesPointer in
            H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, context in
                guard let name, let context else { return -1 }
                context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, namesPointer)
        }
        guard status >= 0 else { throw H5Error("\(path): cannot list the attributes of \(object)") }
        return try names.sorted().map { name in
            let attr = H5Aopen(obj, name, ae_h5p_default())
            guard attr >= 0 else { throw H5Error("\(path): cannot open attribute \(name) of \(object)") }
            defer { H5Aclose(attr) }
            let type = H5Aget_type(attr)
            defer { H5Tclose(type) }
            let space = H5Aget_space(attr)
            defer { H5Sclose(space) }
            let shape = try dataspace(space, "\(object) attribute \(name)").shape
            let count = shape.map { $0.reduce(1, *) } ?? 0
            let items = try decodeValues(type: type, count: count, "\(object) attribute \(name)") { memType, buffer in
                H5Aread(attr, memType, buffer)
            }
            return H5Attribute(name: name, dtype: describeType(type), shape: shape,
                               values: items.map { H5Values(items: $0, total: count) })
        }
    }

    // MARK: values

    /// The first `limit` values of a dataset in row-major order (a point selection, so a huge dataset is not
    /// read whole); nil when its type has no text form.
    private func firstValues(of ds: hid_t, type: hid_t, space: hid_t, shape: [Int], limit: Int, _ object: String) throws -> H5Values? {
        let total = H5Sget_simple_extent_type(space) == H5S_NULL ? 0 : shape.reduce(1, *)
        let count = min(limit, total)
        guard count > 0 else { return H5Values(items: [], total: total) }
        if count < total {
            var coordinates: [hsize_t] = []
            coordinates.reserveCapacity(count * shape.count)
            for flat in 0..<count {
                var rest = flat, point = [hsize_t](repeating: 0, count: shape.count)
                for axis in shape.indices.reversed() {
                    point[axis] = hsize_t(rest % shape[axis])
                    rest /= shape[axis]
                }
                coordinates += point
            }
            guard H5Sselect_elements(space, H5S_SELECT_SET, count, coordinates) >= 0 else {
                throw H5Error("\(path): cannot select values of \(object)")
            }
        }
        var memDims = [hsize_t(count)]
        let memSpace = H5Screate_simple(1, &memDims, nil)
        defer { H5Sclose(memSpace) }
        let items = try decodeValues(type: type, count: count, object) { memType, buffer in
            H5Dread(ds, memType, memSpace, space, ae_h5p_default(), buffer)
        }
        return items.map { H5Values(items: $0, total: total) }
    }

    /// Reads `count` values of file type `type` through `read(memoryType, buffer)` and turns them into text.
    /// Integers read as 64-bit, floats as Float or Double, strings fixed or variable-length, enums by member
    /// name; nil for other types.
    private func decodeValues(type: hid_t, count: Int, _ what: String,
                              read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [H5Value]? {
        /// `count` values of `memType`, each `per` elements of `T` (bytes of fixed-size strings and enums).
        func readArray<T>(_ memType: hid_t, _ zero: T, per: Int = 1) throws -> [T] {
            var buffer = [T](repeating: zero, count: count * per)
            guard count == 0 || buffer.withUnsafeMutableBytes({ read(memType, $0.baseAddress!) }) >= 0 else {
                throw H5Error("\(path): cannot read the values of \(what)")
            }
            return buffer
        }
        switch H5Tget_class(type) {
        case H5T_INTEGER where H5Tget_sign(type) == H5T_SGN_NONE:
            return try readArray(ae_h5t_native_uint64(), UInt64(0)).map { .number("\($0)") }
        case H5T_INTEGER:
            return try readArray(ae_h5t_native_int64(), Int64(0)).map { .number("\($0)") }
        case H5T_FLOAT where H5Tget_size(type) <= 4:
            return try readArray(ae_h5t_native_float(), Float(0)).map { .number("\($0)") }
        case H5T_FLOAT:
            return try readArray(ae_h5t_native_double(), Double(0)).map { .number("\($0)") }
        case H5T_STRING where H5Tis_variable_str(type) > 0:
            let memType = H5Tcopy(ae_h5t_c_s1())
            defer { H5Tclose(memType) }
            H5Tset_size(memType, ae_h5t_variable())
            H5Tset_cset(memType, H5Tget_cset(type))
            let pointers = try readArray(memType, UnsafeMutablePointer<CChar>?.none)
            defer { pointers.forEach { H5free_memory($0) } }
            return pointers.map { .string($0.map { String(cString: $0) } ?? "") }
        case H5T_STRING:
            let size = H5Tget_size(type)
            let spacePadded = H5Tget_strpad(type) == H5T_STR_SPACEPAD
            let bytes = try readArray(type, UInt8(0), per: size)
            return (0..<count).map { i in
                var text = bytes[(i * size)..<((i + 1) * size)].prefix { $0 != 0 }
                if spacePadded { while text.last == 0x20 { text.removeLast() } }
                return .string(String(decoding: text, as: UTF8.self))
            }
        case H5T_ENUM:
            let memType = H5Tget_native_type(type, H5T_DIR_DEFAULT)
            defer { H5Tclose(memType) }
            let size = H5Tget_size(memType)
            let bool = enumMemberNames(type) == ["FALSE", "TRUE"]
            let bytes = try readArray(memType, UInt8(0), per: size)
            return (0..<count).map { i in
                var name = [CChar](repeating: 0, count: 256)
                let found = bytes.withUnsafeBytes { H5Tenum_nameof(memType, $0.baseAddress! + i * size, &name, name.count) } >= 0
                let text = found ? cString(name) : "?"
                return .number(bool ? text.lowercased() : text)
            }
        default:
            return nil
        }
    }
}

/// The text in a NUL-terminated C buffer.
private func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The text of a C string HDF5 allocated, which is then freed.
private func ownedCString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    guard let pointer else { return "?" }
    defer { H5free_memory(pointer) }
    return String(cString: pointer)
}

// MARK: - text

/// The text form of an `H5Node` tree, as `ae inspect` prints it: one line per object, members indented under
/// their group, attributes (`@name: type = value`) right under their object, dataset values (`= [...]`) under
/// the dataset:
///
///     /
///       @format: str = "ae-run"
///       latents/
///         test/
///           z  float32[10000, 32]  (chunked [2048, 32], shuffle, gzip 4)
public struct H5TreeRenderer: Sendable {
    /// Longer strings are cut to this many characters, the last one "…".
    public var maxStringLength: Int
    /// Attribute arrays show at most this many values.
    public var maxAttributeValues: Int
    public var indent = "  "

    public init(maxStringLength: Int = 80, maxAttributeValues: Int = 10) {
        self.maxStringLength = maxStringLength
        self.maxAttributeValues = maxAttributeValues
    }

    /// The whole tree, one line per object, attribute and values line, ending in a newline.
    public func render(_ node: H5Node) -> String {
        lines(node, depth: 0).joined(separator: "\n") + "\n"
    }

    /// The lines of `node` and everything below it, indented by `depth` levels.
    public func lines(_ node: H5Node, depth: Int) -> [String] {
        let pad = String(repeating: indent, count: depth), inner = pad + indent
        var lines = [pad + headline(node)]
        lines += node.attributes.map { inner + attributeLine($0) }
        if let values = node.values { lines.append(inner + "= " + valuesText(values, shape: node.shape, limit: Int.max)) }
        for child in node.children { lines += self.lines(child, depth: depth + 1) }
        return lines
    }

    /// The object's own line: name, then what it is.
    public func headline(_ node: H5Node) -> String {
        let notes = node.notes.isEmpty ? "" : "  (" + node.notes.joined(separator: ", ") + ")"
        switch node.kind {
        case .group: return (node.name.hasSuffix("/") ? node.name : node.name + "/") + notes
        case .dataset: return node.name + "  " + typeText(node.dtype ?? "?", shape: node.shape, scalar: " scalar") + notes
        case .datatype: return node.name + "  datatype " + (node.dtype ?? "?")
        case .softLink(let target): return node.name + " -> " + target
        case .externalLink(let target): return node.name + " -> " + target + "  (external link)"
        case .otherLink: return node.name + "  (user-defined link)"
        }
    }

    /// `@name: type = value`; `@name: type` when the values have no text form.
    public func attributeLine(_ attribute: H5Attribute) -> String {
        let head = "@" + attribute.name + ": " + typeText(attribute.dtype, shape: attribute.shape, scalar: "")
        guard let values = attribute.values, attribute.shape != nil else { return head }
        return head + " = " + valuesText(values, shape: attribute.shape, limit: maxAttributeValues)
    }

    /// "float32[60000, 32]"; a scalar is the type plus `scalar`, an empty dataspace the type plus " empty".
    private func typeText(_ dtype: String, shape: [Int]?, scalar: String) -> String {
        guard let shape else { return dtype + " empty" }
        return shape.isEmpty ? dtype + scalar : dtype + "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// A scalar as its value; an array as "[a, b, …]" with at most `limit` items shown.
    private func valuesText(_ values: H5Values, shape: [Int]?, limit: Int) -> String {
        if shape == [], let only = values.items.first { return valueText(only) }
        var items = values.items.prefix(limit).map(valueText)
        if values.total > items.count { items.append("…") }
        return "[" + items.joined(separator: ", ") + "]"
    }

    private func valueText(_ value: H5Value) -> String {
        switch value {
        case .number(let text): return text
        case .string(let text): return quoted(text)
        }
    }

    /// The string in double quotes with control characters escaped, cut to `maxStringLength` characters.
    public func quoted(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        if escaped.count > maxStringLength { escaped = String(escaped.prefix(max(0, maxStringLength - 1))) + "…" }
        return "\"" + escaped + "\""
    }
}
