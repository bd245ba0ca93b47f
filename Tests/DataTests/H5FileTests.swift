@testable import AEData
import Foundation
import XCTest

final class H5FileTests: XCTestCase {
    func testArraysAndAttributesRoundTrip() throws {
        let path = try temporaryDirectory(self) + "/a.h5"
        let big = (0..<10_000).map { Float($0) * 0.25 }
        try RunFile.create(at: path, overwrite: false) { f in
            try f.write("/model/enc.0.weight", floats: big, shape: [100, 100])
            try f.write("/model/enc.0.bias", floats: [1, 2, 3], shape: [3])
            try f.write("/history/loss", doubles: [0.5, 0.25], shape: [2])
            try f.write("/labels", int32s: [7, -1], shape: [2])
            try f.write("/steps", int64s: [Int64.max], shape: [1])
            try f.write("/scalar", floats: [4], shape: [])
            try f.setAttribute("format", string: "ae-run ünïcode")
            try f.setAttribute("seed", int: -3, at: "/model")
            try f.setAttribute("lr", double: 1e-3, at: "/history/loss")
        }
        try RunFile.read(at: path) { f in
            let (w, shape) = try f.readFloats("/model/enc.0.weight")
            XCTAssertEqual(shape, [100, 100])
            XCTAssertEqual(w, big)
            XCTAssertEqual(try f.readFloats("/model/enc.0.bias").values, [1, 2, 3])
            XCTAssertEqual(try f.readDoubles("/history/loss").values, [0.5, 0.25])
            XCTAssertEqual(try f.readFloats("/history/loss").values, [0.5, 0.25], "doubles convert to floats")
            XCTAssertEqual(try f.readInt32s("/labels").values, [7, -1])
            XCTAssertEqual(try f.readInt64s("/steps").values, [Int64.max])
            XCTAssertEqual(try f.readFloats("/scalar").shape, [])
            XCTAssertEqual(try f.children(of: "/model"), ["enc.0.bias", "enc.0.weight"])
            XCTAssertEqual(try f.stringAttribute("format"), "ae-run ünïcode")
            XCTAssertEqual(try f.intAttribute("seed", at: "/model"), -3)
            XCTAssertEqual(try f.doubleAttribute("lr", at: "/history/loss"), 1e-3)
            XCTAssertNil(try f.stringAttribute("missing"))
            XCTAssertTrue(f.exists("/model/enc.0.bias"))
            XCTAssertFalse(f.exists("/nothing/here"))
            XCTAssertThrowsError(try f.readFloats("/model"))
            XCTAssertThrowsError(try f.readFloats("/nothing"))
        }
    }

    func testShapeMustMatchValues() throws {
        let path = try temporaryDirectory(self) + "/a.h5"
        XCTAssertThrowsError(try RunFile.create(at: path, overwrite: false) { try $0.write("/x", floats: [1, 2, 3], shape: [2, 2]) })
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "a failed create leaves nothing behind")
    }

    func testCreateRefusesToOverwriteUnlessAsked() throws {
        let path = try temporaryDirectory(self) + "/a.h5"
        try RunFile.create(at: path, overwrite: false) { try $0.setAttribute("v", int: 1) }
        XCTAssertThrowsError(try RunFile.create(at: path, overwrite: false) { try $0.setAttribute("v", int: 2) })
        XCTAssertEqual(try RunFile.read(at: path) { try $0.intAttribute("v") }, 1)
        try RunFile.create(at: path, overwrite: true) { try $0.setAttribute("v", int: 2) }
        XCTAssertEqual(try RunFile.read(at: path) { try $0.intAttribute("v") }, 2)
    }

    func testFailedUpdateLeavesTheFileAsItWas() throws {
        struct Boom: Error {}
        let dir = try temporaryDirectory(self)
        let path = dir + "/a.h5"
        try RunFile.create(at: path, overwrite: false) { try $0.write("/w", floats: [1, 2], shape: [2]) }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try RunFile.update(at: path) { f in
            try f.write("/w", floats: [9, 9], shape: [2])
            throw Boom()
        })
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a.h5"], "no temporary file left")
    }

    func testRepeatedCheckpointsDoNotGrowTheFile() throws {
        let path = try temporaryDirectory(self) + "/a.h5"
        let weights = (0..<200_000).map { Float($0 % 977) / 977 }
        try RunFile.create(at: path, overwrite: false) { try $0.write("/ckpt/w", floats: weights, shape: [200, 1000]) }
        var sizes: [Int] = []
        for epoch in 0..<6 {
            try RunFile.update(at: path) { f in
                try f.write("/ckpt/w", floats: weights.map { $0 + Float(epoch) }, shape: [200, 1000])
                try f.write("/history/loss", doubles: Array(repeating: 1, count: epoch + 1), shape: [epoch + 1])
            }
            sizes.append(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int)
        }
        XCTAssertLessThan(Double(sizes.last!), Double(sizes[1]) * 1.2, "file sizes per update: \(sizes)")
        XCTAssertEqual(try RunFile.read(at: path) { try $0.readFloats("/ckpt/w").values[1] }, weights[1] + 5)
    }

    func testNotAnHDF5FileIsAClearError() throws {
        let path = try temporaryDirectory(self) + "/a.h5"
        try writeBytes(Array("not hdf5 at all".utf8), path)
        XCTAssertThrowsError(try H5File.open(path)) { XCTAssertTrue("\($0)".contains("not an HDF5 file"), "\($0)") }
        XCTAssertThrowsError(try H5File.open(path + ".missing")) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
    }

    /// Files we write open in h5py as numpy arrays and `str` attributes; files h5py writes (chunked, gzip,
    /// shuffle; float32/float64/uint8) read back here.
    func testH5pyInteroperability() throws {
        guard try runPython("import h5py") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("CI must have h5py (scripts/setup.sh installs it)") }
            throw XCTSkip("python3 with h5py is not available")
        }
        let dir = try temporaryDirectory(self)
        try RunFile.create(at: dir + "/ours.h5", overwrite: false) { f in
            try f.write("/latents/test/z", floats: (0..<6000).map { Float($0) / 10 }, shape: [3000, 2], compress: true)
            try f.write("/latents/test/labels", int32s: [1, 2, 3], shape: [3])
            try f.setAttribute("config", string: "{\"seed\": 1}")
            try f.setAttribute("threads", int: 2)
        }
        let script = """
        import h5py, numpy as np
        with h5py.File('\(dir)/ours.h5', 'r') as f:
            z = f['latents/test/z'][...]
            assert z.dtype == np.float32 and z.shape == (3000, 2) and z[2999, 1] == np.float32(599.9), z[2999]
            assert f['latents/test/z'].compression == 'gzip' and f['latents/test/z'].shuffle
            assert f['latents/test/labels'][...].tolist() == [1, 2, 3]
            assert isinstance(f.attrs['config'], str) and f.attrs['config'] == '{"seed": 1}', repr(f.attrs['config'])
            assert int(f.attrs['threads']) == 2
        with h5py.File('\(dir)/theirs.h5', 'w') as f:
            f.create_dataset('a32', data=np.arange(20000, dtype=np.float32).reshape(200, 100), chunks=(10, 100), compression='gzip', shuffle=True)
            f.create_dataset('a64', data=np.linspace(0, 1, 5))
            f.create_dataset('u8', data=np.arange(256, dtype=np.uint8))
            f.attrs['name'] = 'from h5py'
            f.attrs.create('fixed', np.bytes_('fixed-length'))
            f.attrs['n'] = np.int64(42)
        """
        XCTAssertTrue(try runPython(script), "h5py could not read our file or write its own")
        try RunFile.read(at: dir + "/theirs.h5") { f in
            let (a, shape) = try f.readFloats("/a32")
            XCTAssertEqual(shape, [200, 100])
            XCTAssertEqual(a[19_999], 19_999)
            XCTAssertEqual(try f.readDoubles("/a64").values, [0, 0.25, 0.5, 0.75, 1])
            XCTAssertEqual(try f.read("/u8", as: UInt8.self).values, (0...255).map { UInt8($0) })
            XCTAssertEqual(try f.stringAttribute("name"), "from h5py")
            XCTAssertEqual(try f.stringAttribute("fixed"), "fixed-length")
            XCTAssertEqual(try f.intAttribute("n"), 42)
        }
    }
}

/// Runs `python3 -c script`; false if python3 is missing or the script fails (its stderr is shown).
func runPython(_ script: String) throws -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    p.standardOutput = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}
