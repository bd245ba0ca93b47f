/// An n-dimensional array read from (or to be written to) a `.npy` file, C order.
public struct NPYArray: Sendable, Equatable {
    /// The element values, typed as stored.
    public enum Values: Sendable, Equatable {
        case uint8([UInt8])
        case int32([Int32])
        case int64([Int64])
        case float32([Float])
        case float64([Double])

        public var count: Int {
            switch self {
            case .uint8(let v): v.count
            case .int32(let v): v.count
            case .int64(let v): v.count
            case .float32(let v): v.count
            case .float64(let v): v.count
            }
        }
    }

    public let shape: [Int]
    public let values: Values

    /// `values.count` must equal the product of `shape` (1 for a scalar, shape `[]`).
    public init(shape: [Int], values: Values) {
        precondition(shape.reduce(1, *) == values.count, "NPYArray: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    public var count: Int { values.count }
    public var dtype: NPY.DType {
        switch values {
        case .uint8: .u1
        case .int32: .i4
        case .int64: .i8
        case .float32: .f4
        case .float64: .f8
        }
    }

    /// The values converted to Float (no scaling).
    public var floats: [Float] {
        switch values {
        case .uint8(let v): v.map(Float.init)
        case .int32(let v): v.map(Float.init)
        case .int64(let v): v.map(Float.init)
        case .float32(let v): v
        case .float64(let v): v.map(Float.init)
        }
    }

    /// The values as Int64 if they are integers (nil for float arrays).
    public var integers: [Int64]? {
        switch values {
        case .uint8(let v): v.map(Int64.init)
        case .int32(let v): v.map(Int64.init)
        case .int64(let v): v
        case .float32, .float64: nil
        }
    }
}

/// NumPy `.npy` files, format versions 1.0, 2.0 and 3.0, little-endian `|u1 <i4 <i8 <f4 <f8`, C order.
///
/// Layout: `\x93NUMPY`, major, minor, header length (UInt16 LE in v1, UInt32 LE in v2/v3), then a Python
/// dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }` padded with
/// spaces to a multiple of 64 bytes and ended by `\n`, then the raw data.
public enum NPY {
    public enum DType: String, Sendable, CaseIterable {
        case u1 = "|u1", i4 = "<i4", i8 = "<i8", f4 = "<f4", f8 = "<f8"

        public var itemSize: Int {
            switch self {
            case .u1: 1
            case .i4, .f4: 4
            case .i8, .f8: 8
            }
        }

        /// Accepts the spellings NumPy and other writers use for the same little-endian type.
        init?(descr: String) {
            var d = descr
            if d.hasPrefix("=") { d = "<" + d.dropFirst() }  // native order: this code only runs little-endian
            if d == "<u1" || d == "u1" { d = "|u1" }
            guard let t = DType(rawValue: d) else { return nil }
            self = t
        }
    }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads a `.npy` file.
    public static func read(path: String) throws -> NPYArray {
        try read(data: FileBytes.read(path), name: path)
    }

    /// Parses the bytes of a `.npy` file; `name` is used in errors.
    public static func read(data: [UInt8], name: String = "<npy data>") throws -> NPYArray {
        guard data.count >= 10 else { throw DataError(.truncated, name, "\(data.count) bytes, shorter than a .npy preamble") }
        guard Array(data[0..<6]) == magic else { throw DataError(.badMagic, name, "not a .npy file (no \\x93NUMPY magic)") }
        let major = data[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw DataError(.unsupported, name, ".npy format version \(major).\(data[7])")
        }
        guard data.count >= 8 + lengthBytes else { throw DataError(.truncated, name, "preamble cut short") }
        var headerLength = 0
        for k in 0..<lengthBytes { headerLength |= Int(data[8 + k]) << (8 * k) }
        let dataStart = 8 + lengthBytes + headerLength
        guard data.count >= dataStart else {
            throw DataError(.truncated, name, "header of \(headerLength) bytes but only \(data.count - 8 - lengthBytes) follow")
        }
        // v1/v2 headers are latin-1, v3 UTF-8; the keys and values we accept are ASCII either way.
        let headerText = String(decoding: data[(8 + lengthBytes)..<dataStart], as: UTF8.self)
        let header: [String: PyLiteral]
        do {
            header = try PyLiteral.parseDict(headerText)
        } catch let error as PyLiteral.ParseError {
            throw DataError(.badHeader, name, "\(error.message) in header \(headerText.debugDescription)")
        }
        guard case .string(let descr)? = header["descr"] else {
            throw DataError(header["descr"] == nil ? .badHeader : .unsupported, name,
                            "'descr' is missing or not a simple type string (structured dtypes are not supported)")
        }
        guard let dtype = DType(descr: descr) else {
            throw DataError(.unsupported, name, "dtype '\(descr)'; supported: \(DType.allCases.map(\.rawValue).joined(separator: " "))")
        }
        guard case .bool(let fortran)? = header["fortran_order"] else {
            throw DataError(.badHeader, name, "no 'fortran_order' boolean in header")
        }
        guard !fortran else { throw DataError(.unsupported, name, "Fortran-ordered arrays (save with C order)") }
        guard case .tuple(let shape)? = header["shape"], shape.allSatisfy({ $0 >= 0 }) else {
            throw DataError(.badHeader, name, "no 'shape' tuple of non-negative integers in header")
        }
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw DataError(.badHeader, name, "shape \(shape) overflows") }
            count = p
        }
        let expected = count * dtype.itemSize
        let payload = data.count - dataStart
        guard payload >= expected else {
            throw DataError(.truncated, name, "shape \(shape) of \(dtype.rawValue) needs \(expected) bytes, file has \(payload)")
        }
        guard payload == expected else {
            throw DataError(.shapeMismatch, name, "shape \(shape) of \(dtype.rawValue) needs \(expected) bytes, file has \(payload)")
        }
        return NPYArray(shape: shape, values: decode(data[dataStart...], dtype: dtype, count: count))
    }

    private static func decode(_ bytes: ArraySlice<UInt8>, dtype: DType, count: Int) -> NPYArray.Values {
        func load<T>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buf, n in
                bytes.withUnsafeBytes { raw in
                    UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: count * MemoryLayout<T>.size)
                }
                n = count
            }
        }
        // Little-endian file on a little-endian host (every platform Swift supports here): a plain copy.
        switch dtype {
        case .u1: return .uint8(Array(bytes))
        case .i4: return .int32(load(Int32.self))
        case .i8: return .int64(load(Int64.self))
        case .f4: return .float32(load(Float.self))
        case .f8: return .float64(load(Double.self))
        }
    }

    /// Encodes `array` as a `.npy` file of format `version` (1, 2 or 3), as NumPy would.
    public static func encode(_ array: NPYArray, version: Int = 1) -> [UInt8] {
        precondition((1...3).contains(version), "NPY version \(version)")
        let shapeText = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = Array("{'descr': '\(array.dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        let lengthBytes = version == 1 ? 2 : 4
        let unpadded = 8 + lengthBytes + header.count + 1
        header += Array(repeating: UInt8(ascii: " "), count: (64 - unpadded % 64) % 64) + [UInt8(ascii: "\n")]
        precondition(version > 1 || header.count <= 0xFFFF, "header too long for NPY v1")
        var out = magic + [UInt8(version), 0]
        for k in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: header.count >> (8 * k))) }
        out += header
        func append<T>(_ v: [T]) { v.withUnsafeBytes { out.append(contentsOf: $0) } }
        switch array.values {
        case .uint8(let v): out += v
        case .int32(let v): append(v)
        case .int64(let v): append(v)
        case .float32(let v): append(v)
        case .float64(let v): append(v)
        }
        return out
    }

    /// Writes `array` to `path` as a `.npy` file of format `version`.
    public static func write(_ array: NPYArray, to path: String, version: Int = 1) throws {
        try FileBytes.write(encode(array, version: version), to: path)
    }
}
