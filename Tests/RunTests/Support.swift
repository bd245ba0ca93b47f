import Foundation
import TestSupport
import XCTest

enum RunTestsSupport {
    /// A fresh folder for `test`, removed when it ends.
    static func temporaryDirectory(for test: XCTestCase) throws -> String {
        let dir = NSTemporaryDirectory() + "ae-run-tests-\(test.name.filter(\.isLetter))-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// `ae`, built beside the test bundle by `swift build --build-tests` (scripts/test.sh). Missing, the
    /// calling test is skipped — except in CI, where that is a failure.
    static func aeExecutable() throws -> String { try builtAEExecutable() }

    /// Runs `ae arguments` with stdout and stderr together; without `wait`, returns the running process.
    @discardableResult
    static func runAE(_ arguments: [String], wait: Bool = true, environment: [String: String] = [:]) throws
        -> (process: Process, status: Int32, output: String) {
        let p = Process(), pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: try aeExecutable())
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        (p.standardOutput, p.standardError) = (pipe, pipe)
        try p.run()
        guard wait else { return (p, 0, "") }
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p, p.terminationStatus, out)
    }
}
