@testable import AEData
import Foundation
import XCTest

/// IDX, NPY and NPZ readers: round trips and every kind of damage they must reject.
final class FormatTests: XCTestCase {
    // MARK: IDX

    func testIDXRawAndGzipRoundTrip() throws {
        let dir = try temporaryDirectory(self)
        let bytes = (0..<(3 * 4 * 5)).map { UInt8($0 * 7 % 256) }
        let encoded = IDX.encode(dims: [3, 4, 5], bytes: bytes)
        try writeBytes(encoded, dir + "/a-idx3-ubyte")
        try writeBytes(Zlib.deflate(encoded, format: .gzip), dir + "/a-idx3-ubyte.gz")
        for name in ["a-idx3-ubyte", "a-idx3-ubyte.gz"] {
            let (dims, read) = try IDX.read(path: dir + "/" + name)
            XCTAssertEqual(dims, [3, 4, 5])
            XCTAssertEqual(read, bytes)
        }
    }

    func testIDXDamageIsRejected() throws {
        let good = IDX.encode(dims: [2, 3, 3], bytes: Array(repeating: 9, count: 18))
        XCTAssertNoThrow(try IDX.parse(good, name: "good"))
        assertDataError(.truncated) { try IDX.parse(Array(good.dropLast()), name: "t") }
        assertDataError(.truncated) { try IDX.parse(Array(good.prefix(10)), name: "t") }  // inside the header
        assertDataError(.truncated) { try IDX.parse([0, 0], name: "t") }
        var magic = good
        magic[0] = 0x1F
        assertDataError(.badMagic) { try IDX.parse(magic, name: "m") }
        var dtype = good
        dtype[2] = 0x0D  // float32 IDX
        assertDataError(.unsupported) { try IDX.parse(dtype, name: "d") }
        var lying = good
        lying[7] = 3  // first dimension says 3 images, the file holds 2
        let error = assertDataError(.truncated) { try IDX.parse(lying, name: "lying.idx") }
        XCTAssertTrue(error?.description.hasPrefix("lying.idx:") ?? false, error?.description ?? "")
        var short = good
        short[7] = 1  // says 1 image, file holds 2
        assertDataError(.shapeMismatch) { try IDX.parse(short, name: "s") }
    }

    func testTruncatedGzipIsRejected() throws {
        let dir = try temporaryDirectory(self)
        let gz = Zlib.deflate(IDX.encode(dims: [1000], bytes: (0..<1000).map { UInt8($0 % 251) }), format: .gzip)
        try writeBytes(Array(gz.prefix(gz.count / 2)), dir + "/cut.gz")
        assertDataError(.truncated) { try IDX.read(path: dir + "/cut.gz") }
        var flipped = gz
        flipped[gz.count - 6] ^= 0xFF  // CRC-32 in the gzip trailer
        try writeBytes(flipped, dir + "/crc.gz")
        assertDataError(.corrupt) { try IDX.read(path: dir + "/crc.gz") }
        assertDataError(.missingFile) { try IDX.read(path: dir + "/absent.gz") }
    }

    // MARK: NPY

    func testNPYRoundTripAllVersionsAndTypes() throws {
        let dir = try temporaryDirectory(self)
        let arrays: [NPYArray] = [
            NPYArray(shape: [2, 3, 4], values: .uint8((0..<24).map { UInt8($0 * 11) })),
            NPYArray(shape: [5], values: .float32([0, 0.25, -1.5, .greatestFiniteMagnitude, .leastNonzeroMagnitude])),
            NPYArray(shape: [2, 2], values: .float64([1, .pi, -0.0, 1e-300])),
            NPYArray(shape: [3], values: .int64([0, -1, .max])),
            NPYArray(shape: [3], values: .int32([7, -7, .min])),
            NPYArray(shape: [0, 4], values: .float32([])),
            NPYArray(shape: [], values: .float64([42])),
        ]
        for version in 1...3 {
            for (n, array) in arrays.enumerated() {
                let path = "\(dir)/a\(n)-v\(version).npy"
                try NPY.write(array, to: path, version: version)
                let file = try FileBytes.read(path)
                XCTAssertEqual(file[6], UInt8(version))
                XCTAssertEqual((file.firstIndex(of: UInt8(ascii: "\n"))! + 1) % 64, 0, "data must start 64-aligned")
                XCTAssertEqual(try NPY.read(path: path), array, "v\(version) \(array.shape) \(array.dtype)")
            }
        }
    }

    /// Headers as other writers produce them: double quotes, odd spacing, no trailing comma, Python 2 longs.
    func testNPYHeaderVariants() throws {
        for header in [
            "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,)}",
            "{ 'shape' : ( 2 , ) , 'fortran_order' : False , 'descr' : '<f4' }   \n",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }",
        ] {
            let array = try NPY.read(data: npy(header: header, payload: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]))
            XCTAssertEqual(array, NPYArray(shape: [2], values: .float32([1, 2])), header)
        }
    }

    func testNPYBadHeadersAreRejected() throws {
        let payload = [UInt8](repeating: 0, count: 8)
        assertDataError(.badHeader) { try NPY.read(data: npy(header: "{'descr': '<f4', 'fortran_order': False", payload: payload)) }
        assertDataError(.badHeader) { try NPY.read(data: npy(header: "{'descr': '<f4', 'fortran_order': False}", payload: payload)) }
        assertDataError(.badHeader) { try NPY.read(data: npy(header: "{'descr': '<f4', 'shape': (2,)}", payload: payload)) }
        assertDataError(.badHeader) { try NPY.read(data: npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", payload: payload)) }
        assertDataError(.badHeader) { try NPY.read(data: npy(header: "not a dict", payload: payload)) }
        assertDataError(.unsupported) { try NPY.read(data: npy(header: "{'descr': '>f4', 'fortran_order': False, 'shape': (2,)}", payload: payload)) }
        assertDataError(.unsupported) { try NPY.read(data: npy(header: "{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", payload: payload)) }
        assertDataError(.unsupported) { try NPY.read(data: npy(header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", payload: payload)) }
        assertDataError(.unsupported) { try NPY.read(data: npy(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2,)}", payload: payload)) }
        // shape × itemsize must equal the payload
        assertDataError(.truncated) { try NPY.read(data: npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", payload: payload)) }
        assertDataError(.shapeMismatch) { try NPY.read(data: npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", payload: payload)) }
        assertDataError(.badMagic) { try NPY.read(data: Array("PK\u{3}\u{4}not npy".utf8)) }
        var v9 = npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", payload: payload)
        v9[6] = 9
        assertDataError(.unsupported) { try NPY.read(data: v9) }
        let good = npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", payload: payload)
        assertDataError(.truncated) { try NPY.read(data: Array(good.prefix(20))) }  // header cut
    }

    /// A v1 `.npy` with `header` verbatim.
    private func npy(header: String, payload: [UInt8]) -> [UInt8] {
        let h = Array(header.utf8)
        return NPY.magic + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + payload
    }

    // MARK: NPZ

    func testNPZSwiftWrittenStoredAndDeflated() throws {
        let dir = try temporaryDirectory(self)
        let arrays = [
            "arr_0": NPYArray(shape: [4, 2, 2], values: .uint8((0..<16).map { UInt8($0 * 13) })),
            "labels": NPYArray(shape: [4], values: .int64([3, 1, 4, 1])),
        ]
        for compressed in [false, true] {
            let path = "\(dir)/x-\(compressed).npz"
            try NPZ.write(arrays, to: path, compressed: compressed)
            XCTAssertEqual(try NPZ.read(path: path), arrays)
            // Also readable by zlib's own view of things: the members are what NPY.encode wrote.
            let members = try NPZ.members(FileBytes.read(path), name: path)
            XCTAssertEqual(members["labels.npy"], NPY.encode(arrays["labels"]!))
        }
    }

    func testNPZDamageIsRejected() throws {
        let arrays = ["arr_0": NPYArray(shape: [64], values: .uint8((0..<64).map { UInt8($0) }))]
        let stored = NPZ.encode(arrays, compressed: false)
        // Flip a payload byte: the CRC-32 no longer matches.
        var flipped = stored
        flipped[30 + "arr_0.npy".utf8.count + 128 + 5] ^= 1
        assertDataError(.checksumMismatch) { try NPZ.read(data: flipped, name: "f.npz") }
        assertDataError(.truncated) { try NPZ.read(data: Array(stored.prefix(stored.count - 30)), name: "t.npz") }
        assertDataError(.badMagic) { try NPZ.read(data: Array(repeating: 7, count: 100), name: "m.npz") }
        var deflated = NPZ.encode(arrays, compressed: true)
        deflated[30 + "arr_0.npy".utf8.count + 3] ^= 0xFF  // inside the deflate stream
        XCTAssertThrowsError(try NPZ.read(data: deflated, name: "d.npz")) { XCTAssertTrue($0 is DataError) }
    }

    /// Archives written by NumPy itself (`np.savez` stores with ZIP64 extras, `np.savez_compressed` deflates).
    func testNPZWrittenByNumPy() throws {
        let dir = try temporaryDirectory(self)
        let script = """
        a = (np.arange(2*5*7) % 256).astype(np.uint8).reshape(2, 5, 7)
        b = np.array([0.5, -2.0, 3.25], dtype=np.float32)
        c = np.arange(6, dtype=np.float64).reshape(3, 2) / 3
        np.savez('\(dir)/s.npz', a, b=b, c=c)
        np.savez_compressed('\(dir)/z.npz', a, b=b, c=c)
        np.save('\(dir)/l.npy', np.array([1, 2, 3], dtype=np.int64))
        """
        guard try runPythonNumpy(script) else { throw XCTSkip("python3 with numpy not available") }
        for file in ["s.npz", "z.npz"] {
            let arrays = try NPZ.read(path: "\(dir)/\(file)")
            XCTAssertEqual(Set(arrays.keys), ["arr_0", "b", "c"], file)
            XCTAssertEqual(arrays["arr_0"], NPYArray(shape: [2, 5, 7], values: .uint8((0..<70).map { UInt8($0) })), file)
            XCTAssertEqual(arrays["b"], NPYArray(shape: [3], values: .float32([0.5, -2, 3.25])), file)
            XCTAssertEqual(arrays["c"], NPYArray(shape: [3, 2], values: .float64((0..<6).map { Double($0) / 3 })), file)
        }
        XCTAssertEqual(try NPY.read(path: "\(dir)/l.npy"), NPYArray(shape: [3], values: .int64([1, 2, 3])))
    }
}
