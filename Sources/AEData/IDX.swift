/// The IDX format of MNIST and Fashion-MNIST: magic `00 00 <dtype> <ndims>`, `ndims` big-endian UInt32 sizes,
/// then the values in C order. Only dtype 0x08 (unsigned byte) is supported, which is what those sets use.
public enum IDX {
    /// Reads an IDX file, gzip-compressed (`.gz`, detected from the content) or raw.
    /// Checks the magic, the dtype, and that the file holds exactly product(dims) bytes after the header.
    public static func read(path: String) throws -> (dims: [Int], bytes: [UInt8]) {
        let file = try FileBytes.read(path)
        return try parse(Zlib.gunzipIfNeeded(file, name: path), name: path)
    }

    /// Parses the uncompressed bytes of an IDX file; `name` is used in errors.
    public static func parse(_ data: [UInt8], name: String) throws -> (dims: [Int], bytes: [UInt8]) {
        guard data.count >= 4 else { throw DataError(.truncated, name, "\(data.count) bytes, shorter than the IDX magic") }
        guard data[0] == 0, data[1] == 0 else {
            throw DataError(.badMagic, name, "starts with \(hex(data[0..<4])), expected 00 00 08 <ndims>")
        }
        guard data[2] == 0x08 else {
            throw DataError(.unsupported, name, "IDX dtype 0x\(hex(data[2..<3])); only 0x08 (unsigned byte) is supported")
        }
        let ndims = Int(data[3])
        guard (1...4).contains(ndims) else { throw DataError(.badHeader, name, "\(ndims) dimensions, expected 1 to 4") }
        let headerSize = 4 + 4 * ndims
        guard data.count >= headerSize else {
            throw DataError(.truncated, name, "\(data.count) bytes, the header of \(ndims) dimensions needs \(headerSize)")
        }
        var dims: [Int] = []
        var total = 1
        for d in 0..<ndims {
            let o = 4 + 4 * d
            let size = Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3])
            dims.append(size)
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else { throw DataError(.badHeader, name, "dimensions \(dims) overflow") }
            total = product
        }
        let payload = data.count - headerSize
        if payload < total {
            throw DataError(.truncated, name, "dimensions \(dims) need \(total) data bytes, file has \(payload)")
        }
        if payload > total {
            throw DataError(.shapeMismatch, name, "dimensions \(dims) need \(total) data bytes, file has \(payload) (\(payload - total) extra)")
        }
        return (dims, Array(data[headerSize...]))
    }

    /// Encodes unsigned bytes as an (uncompressed) IDX file; for tests and tools.
    public static func encode(dims: [Int], bytes: [UInt8]) -> [UInt8] {
        precondition(dims.reduce(1, *) == bytes.count, "IDX: \(bytes.count) bytes for dimensions \(dims)")
        var out: [UInt8] = [0, 0, 0x08, UInt8(dims.count)]
        for d in dims { out += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: d >> $0) } }
        return out + bytes
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
    }
}
