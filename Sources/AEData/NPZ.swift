/// NumPy `.npz` archives: a zip file of `<key>.npy` members, as written by `np.savez` (STORED) and
/// `np.savez_compressed` (DEFLATED). The zip container is parsed here (end-of-central-directory record,
/// ZIP64 records and extra fields, central directory, local headers); deflate is zlib's, and every member's
/// CRC-32 and uncompressed size are checked.
public enum NPZ {
    /// Reads every array of the `.npz` at `path`, keyed by member name without `.npy` (e.g. `arr_0`).
    public static func read(path: String) throws -> [String: NPYArray] {
        try read(data: FileBytes.read(path), name: path)
    }

    /// Parses the bytes of a `.npz` archive; `name` is used in errors.
    public static func read(data: [UInt8], name: String = "<npz data>") throws -> [String: NPYArray] {
        var arrays: [String: NPYArray] = [:]
        for (member, bytes) in try members(data, name: name) {
            let key = member.hasSuffix(".npy") ? String(member.dropLast(4)) : member
            arrays[key] = try NPY.read(data: bytes, name: "\(name)[\(member)]")
        }
        return arrays
    }

    /// The uncompressed members of a zip archive, keyed by file name.
    static func members(_ data: [UInt8], name: String) throws -> [String: [UInt8]] {
        let r = ByteReader(data: data, name: name)
        let directory = try r.findCentralDirectory()
        var out: [String: [UInt8]] = [:]
        var at = directory.offset
        for _ in 0..<directory.entries {
            guard try r.u32(at) == 0x0201_4B50 else { throw DataError(.corrupt, name, "bad central directory entry at \(at)") }
            let flags = try r.u16(at + 8), method = try r.u16(at + 10), crc = try r.u32(at + 16)
            var compressed = Int(try r.u32(at + 20)), size = Int(try r.u32(at + 24))
            let nameLength = Int(try r.u16(at + 28)), extraLength = Int(try r.u16(at + 30)), commentLength = Int(try r.u16(at + 32))
            var localOffset = Int(try r.u32(at + 42))
            let member = String(decoding: try r.slice(at + 46, nameLength), as: UTF8.self)
            // ZIP64 extended information: 64-bit values for the fields saturated at 0xFFFFFFFF, in this order.
            var e = at + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = try r.u16(e), length = Int(try r.u16(e + 2))
                if id == 0x0001 {
                    var f = e + 4
                    for field in [0, 1, 2] {
                        let value = field == 0 ? size : field == 1 ? compressed : localOffset
                        guard value == 0xFFFF_FFFF, f + 8 <= e + 4 + length else { continue }
                        let wide = try r.int64(f)
                        if field == 0 { size = wide } else if field == 1 { compressed = wide } else { localOffset = wide }
                        f += 8
                    }
                }
                e += 4 + length
            }
            at = extraEnd + commentLength

            let memberName = "\(name)[\(member)]"
            guard flags & 1 == 0 else { throw DataError(.unsupported, memberName, "encrypted zip member") }
            guard try r.u32(localOffset) == 0x0403_4B50 else {
                throw DataError(.corrupt, memberName, "no local file header at offset \(localOffset)")
            }
            let dataStart = localOffset + 30 + Int(try r.u16(localOffset + 26)) + Int(try r.u16(localOffset + 28))
            let stored = try r.slice(dataStart, compressed)
            let bytes: [UInt8]
            switch method {
            case 0:
                bytes = Array(stored)
            case 8:
                bytes = try Zlib.inflate(Array(stored), format: .raw, sizeHint: size, name: memberName)
            default:
                throw DataError(.unsupported, memberName, "zip compression method \(method) (only stored and deflated)")
            }
            guard bytes.count == size else {
                throw DataError(.corrupt, memberName, "\(bytes.count) bytes after decompression, the directory says \(size)")
            }
            let actualCRC = Zlib.crc32(bytes[...])
            guard actualCRC == crc else {
                throw DataError(.checksumMismatch, memberName, "CRC-32 \(hex32(actualCRC)), the directory says \(hex32(crc))")
            }
            out[member] = bytes
        }
        return out
    }

    /// Encodes `arrays` as a `.npz` (members `<key>.npy` in key order), DEFLATED if `compressed`, else STORED.
    public static func encode(_ arrays: [String: NPYArray], compressed: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        func le(_ v: Int, _ bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        for key in arrays.keys.sorted() {
            let name = Array((key + ".npy").utf8)
            let raw = NPY.encode(arrays[key]!)
            let body = compressed ? Zlib.deflate(raw, format: .raw) : raw
            precondition(out.count < 0xFFFF_FFFF && body.count < 0xFFFF_FFFF, "NPZ.encode writes no ZIP64")
            // version needed, flags, method, time, date (1980-01-01), crc, sizes, name length, extra length
            let common = le(20, 2) + le(0, 2) + le(compressed ? 8 : 0, 2) + le(0, 2) + le(0x21, 2)
                + le(Int(Zlib.crc32(raw[...])), 4) + le(body.count, 4) + le(raw.count, 4) + le(name.count, 2) + le(0, 2)
            directory += le(0x0201_4B50, 4) + le(20, 2) + common + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(out.count, 4) + name
            out += le(0x0403_4B50, 4) + common + name + body
        }
        let count = arrays.count
        return out + directory + le(0x0605_4B50, 4) + le(0, 2) + le(0, 2) + le(count, 2) + le(count, 2)
            + le(directory.count, 4) + le(out.count, 4) + le(0, 2)
    }

    /// Writes `arrays` to `path` as a `.npz` archive.
    public static func write(_ arrays: [String: NPYArray], to path: String, compressed: Bool = false) throws {
        try FileBytes.write(encode(arrays, compressed: compressed), to: path)
    }

    private static func hex32(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}

/// Bounds-checked little-endian reads from a byte array; out-of-range reads are `truncated` errors.
private struct ByteReader {
    let data: [UInt8]
    let name: String

    func slice(_ at: Int, _ count: Int) throws -> ArraySlice<UInt8> {
        guard at >= 0, count >= 0, at <= data.count, count <= data.count - at else {
            throw DataError(.truncated, name, "needs bytes \(at)..<\(at + count), the file has \(data.count)")
        }
        return data[at..<(at + count)]
    }

    func uint(_ at: Int, _ bytes: Int) throws -> UInt64 {
        try slice(at, bytes).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    func u16(_ at: Int) throws -> Int { Int(try uint(at, 2)) }
    func u32(_ at: Int) throws -> UInt32 { UInt32(try uint(at, 4)) }
    func int64(_ at: Int) throws -> Int {
        let v = try uint(at, 8)
        guard v <= UInt64(Int.max) else { throw DataError(.corrupt, name, "64-bit field at \(at) out of range") }
        return Int(v)
    }

    /// Locates the central directory from the end-of-central-directory record (and its ZIP64 form).
    func findCentralDirectory() throws -> (offset: Int, entries: Int) {
        guard data.count >= 22 else { throw DataError(.truncated, name, "\(data.count) bytes, too short for a zip archive") }
        var eocd = data.count - 22
        let lowest = max(0, data.count - 22 - 0xFFFF)  // the record may be followed by a comment of up to 64 KiB
        while eocd >= lowest, try u32(eocd) != 0x0605_4B50 { eocd -= 1 }
        guard eocd >= lowest else {
            let kind: DataError.Kind = data.starts(with: [0x50, 0x4B]) ? .truncated : .badMagic
            throw DataError(kind, name, "no zip end-of-central-directory record (not a zip/.npz file, or cut short)")
        }
        var entries = try u16(eocd + 10)
        var offset = Int(try u32(eocd + 16))
        if entries == 0xFFFF || offset == 0xFFFF_FFFF {
            let locator = eocd - 20
            guard locator >= 0, try u32(locator) == 0x0706_4B50 else {
                throw DataError(.corrupt, name, "ZIP64 values without a ZIP64 end-of-central-directory locator")
            }
            let eocd64 = try int64(locator + 8)
            guard try u32(eocd64) == 0x0606_4B50 else { throw DataError(.corrupt, name, "bad ZIP64 end-of-central-directory record") }
            entries = try int64(eocd64 + 32)
            offset = try int64(eocd64 + 48)
        }
        return (offset, entries)
    }
}
