@testable import AEData
import Foundation
import XCTest

/// `ae inspect`: the tree model built from a file, its text form, and the command line.
final class H5InspectTests: XCTestCase {
    /// A small run-like file written with our writer.
    private func writeOurFile(_ path: String) throws {
        try RunFile.create(at: path, overwrite: false) { f in
            try f.write("/latents/test/z", floats: (0..<64_000).map { Float($0) / 4 }, shape: [2000, 32], compress: true)
            try f.write("/latents/test/labels", int32s: [7, -1, 3], shape: [3])
            try f.write("/metrics/test/confusion", int64s: (0..<100).map { Int64($0) }, shape: [10, 10])
            try f.write("/history/loss", doubles: [0.5, 0.25], shape: [2])
            try f.write("/scalar", floats: [4.5], shape: [])
            try f.setAttribute("format", string: "ae-run")
            try f.setAttribute("seed", int: 42)
            try f.setAttribute("lr", double: 0.001, at: "/history/loss")
            try f.setAttribute("split", string: "test", at: "/latents/test")
        }
    }

    private func inspect(_ path: String, _ object: String = "/", values: Int = 0) throws -> H5Node {
        try RunFile.read(at: path) { try $0.inspect(object, values: values) }
    }

    func testTreeOfOurRunFile() throws {
        let path = try temporaryDirectory(self) + "/run.h5"
        try writeOurFile(path)
        let tree = try inspect(path)
        XCTAssertEqual(H5TreeRenderer().render(tree), """
        /
          @format: str = "ae-run"
          @seed: int64 = 42
          history/
            loss  float64[2]
              @lr: float64 = 0.001
          latents/
            test/
              @split: str = "test"
              labels  int32[3]
              z  float32[2000, 32]  (chunked [2000, 32], shuffle, gzip 4)
          metrics/
            test/
              confusion  int64[10, 10]
          scalar  float32 scalar

        """)
        let z = try XCTUnwrap(tree.descendant("latents/test/z"))
        XCTAssertEqual(z.kind, .dataset)
        XCTAssertEqual(z.path, "/latents/test/z")
        XCTAssertEqual(z.shape, [2000, 32])
        XCTAssertEqual(z.dtype, "float32")
        XCTAssertEqual(z.notes, ["chunked [2000, 32]", "shuffle", "gzip 4"])
        XCTAssertNil(z.values, "values only when asked for")
        XCTAssertEqual(tree.attributes.map(\.name), ["format", "seed"])
        XCTAssertEqual(tree.attributes.last?.values, H5Values(items: [.number("42")], total: 1))
    }

    func testSubtreeAndFirstValues() throws {
        let path = try temporaryDirectory(self) + "/run.h5"
        try writeOurFile(path)
        let renderer = H5TreeRenderer()
        XCTAssertEqual(renderer.render(try inspect(path, "latents/test/", values: 3)), """
        /latents/test/
          @split: str = "test"
          labels  int32[3]
            = [7, -1, 3]
          z  float32[2000, 32]  (chunked [2000, 32], shuffle, gzip 4)
            = [0.0, 0.25, 0.5, …]

        """)
        // The first values run in row-major order across rows.
        let confusion = try inspect(path, "/metrics/test/confusion", values: 12)
        XCTAssertEqual(confusion.values?.items, (0..<12).map { .number("\($0)") })
        XCTAssertEqual(confusion.values?.total, 100)
        XCTAssertEqual(renderer.render(try inspect(path, "/scalar", values: 5)), "/scalar  float32 scalar\n  = 4.5\n")
        XCTAssertEqual(try inspect(path, "/history/loss", values: 10).values, H5Values(items: [.number("0.5"), .number("0.25")], total: 2))
    }

    func testLongAndMultilineStringsAreShortenedOnOneLine() throws {
        let path = try temporaryDirectory(self) + "/run.h5"
        let config = "{\n  \"model\": \"" + String(repeating: "x", count: 300) + "\"\n}"
        try RunFile.create(at: path, overwrite: false) { try $0.setAttribute("model_config", string: config) }
        let line = try XCTUnwrap(H5TreeRenderer().render(try inspect(path)).split(separator: "\n").last)
        XCTAssertTrue(line.hasPrefix("  @model_config: str = \"{\\n  \\\"model\\\": \\\"xxx"), String(line))
        XCTAssertTrue(line.hasSuffix("x…\""), String(line))
        XCTAssertEqual(line.count, "  @model_config: str = ".count + 82, "80 characters between the quotes")
    }

    func testMissingFileNotHDF5AndUnknownPathAreOneLineErrors() throws {
        let dir = try temporaryDirectory(self)
        try writeOurFile(dir + "/run.h5")
        try writeBytes(Array("not hdf5 at all".utf8), dir + "/text.h5")
        let cases: [(file: String, object: String, message: String)] = [
            (dir + "/missing.h5", "/", "no such file"),
            (dir + "/text.h5", "/", "not an HDF5 file"),
            (dir + "/run.h5", "/nothing", "no object /nothing"),
            (dir + "/run.h5", "/scalar/below", "no object /scalar/below"),
        ]
        for c in cases {
            XCTAssertThrowsError(try inspect(c.file, c.object), c.message) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(c.message) && text.contains(c.file), text)
                XCTAssertFalse(text.contains("\n"), text)
            }
        }
    }

    /// Files written by h5py: every kind of string, numbers of all widths, bools, compounds, big-endian,
    /// empty and resizable datasets, soft/external links and a hard-link cycle.
    func testFileWrittenByH5py() throws {
        guard try runPython("import h5py") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("CI must have h5py (scripts/setup.sh installs it)") }
            throw XCTSkip("python3 with h5py is not available")
        }
        let path = try temporaryDirectory(self) + "/theirs.h5"
        let script = """
        import h5py, numpy as np
        with h5py.File('\(path)', 'w') as f:
            f.attrs['name'] = 'from h5py'
            f.attrs.create('ascii', 'abc', dtype=h5py.string_dtype('ascii'))
            f.attrs.create('fixed', np.bytes_('fixed-length'))
            f.attrs['n'] = np.int64(42)
            f.attrs['ratio'] = 0.5
            f.attrs['flag'] = True
            f.attrs['dims'] = np.array([28, 28], dtype=np.uint8)
            f.attrs['many'] = np.arange(20)
            f.attrs['words'] = ['a', 'bc']
            f.attrs['note'] = 'line1\\nline2 ' + 'y' * 100
            g = f.create_group('data/images')
            g.attrs['count'] = np.uint8(200)
            g.create_dataset('x', data=np.arange(20000, dtype=np.float32).reshape(200, 100), chunks=(10, 100), compression='gzip', shuffle=True)
            g.create_dataset('u8', data=np.arange(256, dtype=np.uint8))
            f.create_dataset('scalar', data=3.25)
            f.create_dataset('label', data='hello')
            f.create_dataset('grow', shape=(0, 4), maxshape=(None, 4), dtype='f4')
            f.create_dataset('pairs', data=np.zeros(3, dtype=[('x', '<f4'), ('y', '<i8')]))
            f.create_dataset('be', data=np.arange(3, dtype='>i2'))
            f.create_dataset('empty', data=h5py.Empty('f4'))
            f['alias'] = h5py.SoftLink('/data/images/x')
            f['ext'] = h5py.ExternalLink('other.h5', '/x')
            f['data/loop'] = f['data']
        """
        XCTAssertTrue(try runPython(script), "the h5py script failed")
        let tree = try inspect(path, values: 2)
        let lines = H5TreeRenderer().render(tree).split(separator: "\n").map(String.init)
        let expected = [
            "/",
            "  @ascii: ascii-str = \"abc\"",
            "  @dims: uint8[2] = [28, 28]",
            "  @fixed: char[12] = \"fixed-length\"",
            "  @flag: bool = true",
            "  @many: int64[20] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …]",
            "  @n: int64 = 42",
            "  @name: str = \"from h5py\"",
            "  @note: str = \"line1\\nline2 " + String(repeating: "y", count: 66) + "…\"",
            "  @ratio: float64 = 0.5",
            "  @words: str[2] = [\"a\", \"bc\"]",
            "  alias -> /data/images/x",
            "  be  int16be[3]",
            "    = [0, 1, …]",
            "  data/",
            "    images/",
            "      @count: uint8 = 200",
            "      u8  uint8[256]",
            "        = [0, 1, …]",
            "      x  float32[200, 100]  (chunked [10, 100], shuffle, gzip 4)",
            "        = [0.0, 1.0, …]",
            "    loop/  (hard link back to an enclosing group)",
            "  empty  float32 empty",
            "    = []",
            "  ext -> other.h5:/x  (external link)",
        ]
        XCTAssertEqual(Array(lines.prefix(expected.count)), expected)
        // h5py picks the chunk shape of a resizable dataset itself.
        let rest = Array(lines.dropFirst(expected.count))
        XCTAssertEqual(rest.count, 7, rest.joined(separator: "\n"))
        guard rest.count == 7 else { return }
        XCTAssertTrue(rest[0].hasPrefix("  grow  float32[0, 4]  (chunked ["), rest[0])
        XCTAssertTrue(rest[0].hasSuffix(", max [unlimited, 4])"), rest[0])
        XCTAssertEqual(Array(rest[1...]), [
            "    = []",
            "  label  str scalar",
            "    = \"hello\"",
            "  pairs  compound{x: float32, y: int64}[3]",
            "  scalar  float64 scalar",
            "    = 3.25",
        ])
        XCTAssertEqual(tree.descendant("alias")?.kind, .softLink("/data/images/x"))
        XCTAssertEqual(tree.descendant("data/images/x")?.dtype, "float32")
    }

    /// `ae inspect` prints the rendered tree and exits 0; bad input is one "Error: …" line and exit 1.
    func testCommandLine() throws {
        let ae = try aeExecutable()
        let dir = try temporaryDirectory(self)
        try writeOurFile(dir + "/run.h5")
        let ok = try run(ae, ["inspect", dir + "/run.h5", "--path", "/history", "--values", "1"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "/history/\n  loss  float64[2]\n    @lr: float64 = 0.001\n    = [0.5, …]\n")
        for (arguments, message) in [([dir + "/missing.h5"], "no such file"), ([dir], "not an HDF5 file"),
                                     ([dir + "/run.h5", "--path", "/nope"], "no object /nope")] {
            let failed = try run(ae, ["inspect"] + arguments)
            XCTAssertNotEqual(failed.status, 0, arguments.joined(separator: " "))
            XCTAssertEqual(failed.stdout, "")
            let error = failed.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(error.hasPrefix("Error: ") && error.contains(message) && !error.contains("\n"), error)
        }
    }

    /// The `ae` executable built next to this test bundle (swift build --build-tests builds both).
    private func aeExecutable() throws -> URL {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle(for: H5InspectTests.self).bundleURL.deletingLastPathComponent()]
            .map { $0.appendingPathComponent("ae") }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("no ae executable in \(candidates.map(\.path))") }
        throw XCTSkip("the ae executable was not built next to the tests")
    }

    private func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process(), out = Pipe(), err = Pipe()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
