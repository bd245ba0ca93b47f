import CZlib

/// zlib wrappers: gzip and raw-deflate inflation, raw deflation (for writing test archives), CRC-32.
///
/// `z_stream` holds a pointer back to itself inside zlib's state, so it lives in allocated memory, never in a
/// Swift variable that could move between calls.
enum Zlib {
    /// Window-bits selectors for `inflateInit2`/`deflateInit2`.
    enum Format {
        /// gzip member(s), header and CRC checked by zlib (16 + MAX_WBITS).
        case gzip
        /// Raw deflate, as in zip entries (-MAX_WBITS).
        case raw

        var windowBits: Int32 { self == .gzip ? 16 + MAX_WBITS : -MAX_WBITS }
    }

    /// Inflates `input`. `sizeHint` is the expected output size (the buffer grows if it is too small).
    /// Concatenated gzip members are all inflated. `name` is used in errors.
    static func inflate(_ input: [UInt8], format: Format, sizeHint: Int, name: String) throws -> [UInt8] {
        precondition(input.count <= Int(UInt32.max), "inputs over 4 GiB are not supported")
        let strm = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        strm.initialize(to: z_stream())
        defer { strm.deallocate() }
        guard inflateInit2_(strm, format.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(.io, name, "zlib inflateInit2 failed")
        }
        defer { inflateEnd(strm) }

        var out = [UInt8](repeating: 0, count: max(sizeHint, 4096))
        var produced = 0
        try input.withUnsafeBufferPointer { inBuf in
            strm.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            strm.pointee.avail_in = UInt32(inBuf.count)
            while true {
                if produced == out.count { out.append(contentsOf: repeatElement(0, count: out.count)) }
                let rc = out.withUnsafeMutableBufferPointer { ob -> Int32 in
                    let room = min(ob.count - produced, Int(UInt32.max))
                    strm.pointee.next_out = ob.baseAddress! + produced
                    strm.pointee.avail_out = UInt32(room)
                    let rc = CZlib.inflate(strm, Z_NO_FLUSH)
                    produced += room - Int(strm.pointee.avail_out)
                    return rc
                }
                switch rc {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    // Another gzip member may follow (gzip allows concatenation); anything else is an error.
                    let left = Int(strm.pointee.avail_in)
                    if left == 0 { return }
                    let next = inBuf.count - left
                    if format == .gzip, left >= 2, inBuf[next] == 0x1F, inBuf[next + 1] == 0x8B {
                        inflateReset(strm)
                        continue
                    }
                    if format == .gzip, inBuf[next...].allSatisfy({ $0 == 0 }) { return }  // zero padding
                    throw DataError(.corrupt, name, "\(left) bytes of garbage after the compressed data")
                case Z_BUF_ERROR where strm.pointee.avail_in == 0:
                    throw DataError(.truncated, name, "compressed stream ends early (after \(produced) bytes of output)")
                case Z_BUF_ERROR:
                    continue  // output full: grow and go on
                default:
                    let msg = strm.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                    throw DataError(.corrupt, name, "bad \(format == .gzip ? "gzip" : "deflate") data: \(msg)")
                }
            }
        }
        out.removeSubrange(produced...)
        return out
    }

    /// gzip-decompresses `bytes` if they start with the gzip magic, else returns them unchanged.
    static func gunzipIfNeeded(_ bytes: [UInt8], name: String) throws -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
        // ISIZE (last four bytes, little-endian) is the uncompressed size mod 2^32 of the last member.
        var hint = 0
        if bytes.count >= 18 {
            for k in 0..<4 { hint |= Int(bytes[bytes.count - 4 + k]) << (8 * k) }
        }
        // A damaged or cut file has a meaningless trailer; deflate cannot expand more than ~1032:1.
        return try inflate(bytes, format: .gzip, sizeHint: min(hint, 1032 * bytes.count), name: name)
    }

    /// Compresses `input` as raw deflate (zip method 8) or as a gzip member.
    static func deflate(_ input: [UInt8], format: Format, level: Int32 = 6) -> [UInt8] {
        let strm = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        strm.initialize(to: z_stream())
        defer { strm.deallocate() }
        let rc = deflateInit2_(strm, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(rc == Z_OK, "zlib deflateInit2 failed: \(rc)")
        defer { deflateEnd(strm) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(strm, UInt(input.count))) + 32)  // + gzip header
        input.withUnsafeBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { ob in
                strm.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                strm.pointee.avail_in = UInt32(inBuf.count)
                strm.pointee.next_out = ob.baseAddress
                strm.pointee.avail_out = UInt32(ob.count)
                let rc = CZlib.deflate(strm, Z_FINISH)
                precondition(rc == Z_STREAM_END, "deflate with a deflateBound buffer did not finish: \(rc)")
            }
        }
        out.removeSubrange(Int(strm.pointee.total_out)...)
        return out
    }

    /// CRC-32 (the zip/gzip polynomial) of `bytes`.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { raw in
            var crc: UInt = CZlib.crc32(0, nil, 0)
            var p = raw.baseAddress?.assumingMemoryBound(to: Bytef.self)
            var left = raw.count
            while left > 0, let q = p {
                let n = min(left, Int(UInt32.max))
                crc = CZlib.crc32(crc, q, UInt32(n))
                p = q + n
                left -= n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
