import Foundation
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
}
