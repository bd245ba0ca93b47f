import AEData
import Foundation
import XCTest

/// The `ae` tool end to end: a run killed with SIGKILL mid-training resumes to the same final weights as
/// an uninterrupted run, and nonsense input gets a one-line error and a non-zero exit.
final class CommandLineRunTests: XCTestCase {
    @discardableResult
    func run(_ args: [String], wait: Bool = true) throws -> (Process, Int32, String) {
        let r = try RunTestsSupport.runAE(args, wait: wait)
        return (r.process, r.status, r.output)
    }

    func temporaryDirectory() throws -> String { try RunTestsSupport.temporaryDirectory(for: self) }

    func epochsDone(_ path: String) -> Int64 {
        (try? RunFile.read(at: path) { try $0.intAttribute("epochs_done", at: "/") }) .flatMap { $0 } ?? 0
    }

    func finalWeights(_ path: String) throws -> [Float] {
        try RunFile.read(at: path) { f in try f.children(of: "/model").flatMap { try f.readFloats("/model/\($0)").values } }
    }

    func testKilledRunResumesToTheSameWeights() throws {
        let dir = try temporaryDirectory()
        let common = ["train", "--model", "mlp", "--hidden", "128", "--latent", "8", "--epochs", "4", "--train-limit", "6000",
                      "--test-limit", "200", "--batch", "32", "--threads", "2", "--seed", "3"]
        let (_, status, out) = try run(common + ["--out", dir + "/whole.h5"])
        XCTAssertEqual(status, 0, out)
        // Kill -9 as soon as the first epoch's checkpoint is on disk (possibly mid-write of the next one).
        let (victim, _, _) = try run(common + ["--out", dir + "/killed.h5"], wait: false)
        let deadline = Date().addingTimeInterval(300)
        while epochsDone(dir + "/killed.h5") < 1 && victim.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(victim.isRunning, "the run ended before it could be killed; make it longer")
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        let done = epochsDone(dir + "/killed.h5")
        XCTAssertGreaterThanOrEqual(done, 1)
        XCTAssertLessThan(done, 4)
        let (_, resumeStatus, resumeOut) = try run(["train", "--resume", dir + "/killed.h5", "--threads", "2"])
        XCTAssertEqual(resumeStatus, 0, resumeOut)
        XCTAssertTrue(resumeOut.contains("resuming"), resumeOut)
        XCTAssertEqual(try finalWeights(dir + "/whole.h5"), try finalWeights(dir + "/killed.h5"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/killed.md"), "report written")
    }

    func testNonsenseInputIsAOneLineError() throws {
        let dir = try temporaryDirectory()
        try "keep me".write(toFile: dir + "/x.h5", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["train", "--model", "resnet"], "--model must be one of"),
            (["train", "--epochs", "0", "--out", dir + "/a.h5"], "epochs must be in"),
            (["train", "--lr", "nan", "--out", dir + "/a.h5"], "learning rate"),
            (["train", "--out", dir + "/x.h5"], "already exists"),
            (["train", "--dataset", "cifar", "--out", dir + "/a.h5"], "unknown dataset"),
            (["eval", dir + "/missing.h5"], "no such file"),
            (["eval", dir + "/x.h5"], "not an HDF5 file"),
            (["train", "--schedule", "exp:7"], "--schedule"),
        ]
        for (args, expected) in cases {
            let (_, status, out) = try run(args)
            XCTAssertNotEqual(status, 0, "\(args)")
            XCTAssertTrue(out.contains(expected), "\(args): \(out)")
            XCTAssertLessThanOrEqual(out.split(separator: "\n").filter { $0.hasPrefix("Error") }.count, 1, out)
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/x.h5", encoding: .utf8), "keep me")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/a.h5"))
    }
}
