@testable import AEData
import Foundation
import XCTest

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ae-data-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

/// The package's data directory (tests run from inside the checkout).
func packageDataDir(file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let dir = try XCTUnwrap(Dataset.defaultDataDir(), "no data/ directory with a MANIFEST found", file: file, line: line)
    return dir
}

/// Asserts that `body` throws a `DataError` of `kind`, and returns it.
@discardableResult
func assertDataError<T>(_ kind: DataError.Kind, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> T) -> DataError? {
    do {
        _ = try body()
        XCTFail("expected DataError(\(kind)), nothing was thrown", file: file, line: line)
    } catch let error as DataError {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "description must be one line: \(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected DataError(\(kind)), got \(error)", file: file, line: line)
    }
    return nil
}

func writeBytes(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Runs python3 with `script`; nil if python3 or numpy is unavailable.
func runPythonNumpy(_ script: String) throws -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import numpy as np\n" + script]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}
