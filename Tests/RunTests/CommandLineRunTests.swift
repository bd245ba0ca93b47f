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

    /// `ae info` names the activation layout, and run files do not depend on it: a CNN3 run trained one epoch with
    /// channels-last activations and resumed for the second with NCHW ones ends at the weights of a run trained
    /// channels-last throughout, up to float rounding.
    func testRunFilesAreLayoutIndependent() throws {
        for (value, expected) in [("0", "layout:     NCHW activations"), ("1", "layout:     channels-last activations")] {
            let info = try RunTestsSupport.runAE(["info"], environment: ["AE_CHANNELS_LAST": value])
            XCTAssertTrue(info.output.contains(expected), info.output)
        }
        let dir = try temporaryDirectory()
        let common = ["--model", "cnn3", "--latent", "8", "--train-limit", "512", "--test-limit", "256", "--threads", "2"]
        func train(_ extra: [String], channelsLast: Bool) throws {
            let r = try RunTestsSupport.runAE(["train"] + extra, environment: ["AE_CHANNELS_LAST": channelsLast ? "1" : "0"])
            XCTAssertEqual(r.status, 0, r.output)
        }
        try train(common + ["--epochs", "2", "--out", dir + "/a.h5"], channelsLast: true)
        try train(common + ["--epochs", "1", "--out", dir + "/b.h5"], channelsLast: true)
        try train(["--resume", dir + "/b.h5", "--epochs", "2", "--threads", "2"], channelsLast: false)
        let a = try finalWeights(dir + "/a.h5"), b = try finalWeights(dir + "/b.h5")
        XCTAssertEqual(a.count, b.count)
        XCTAssertGreaterThan(a.count, 0)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 1e-3, "largest weight difference between the layouts")
        XCTAssertGreaterThan(zip(a, b).filter { $0 != $1 }.count, 0, "the second epoch ran in the other layout (rounding differs)")
    }

    /// cnn5 gets a 100-update warm-up unless told otherwise (stored in the run's settings, absent when 0); a run
    /// whose validation loss stops moving is named as such: with a learning rate of 1e-12 nothing moves.
    func testWarmupDefaultsAndTheStalledRunWarning() throws {
        let dir = try temporaryDirectory()
        let small = ["--train-limit", "120", "--test-limit", "20", "--batch", "40", "--threads", "1"]
        func spec(_ path: String) throws -> String { try XCTUnwrap(try RunFile.read(at: path) { try $0.stringAttribute("run_spec") }) }
        for (args, warmup) in [(["--model", "cnn5"], "\"warmupSteps\":100"), (["--model", "cnn5", "--warmup-steps", "0"], nil),
                               (["--model", "mlp", "--warmup-steps", "7"], "\"warmupSteps\":7"), (["--model", "mlp"], nil)] {
            let path = dir + "/\(args.joined()).h5"
            let (_, status, out) = try run(["train", "--epochs", "1", "--out", path] + small + args)
            XCTAssertEqual(status, 0, out)
            let json = try spec(path)
            if let warmup { XCTAssertTrue(json.contains(warmup), "\(args): \(json)") } else { XCTAssertFalse(json.contains("warmupSteps"), "\(args): \(json)") }
        }
        let stalled = try run(["train", "--model", "mlp", "--hidden", "16", "--epochs", "3", "--lr", "1e-12", "--out", dir + "/s.h5"] + small)
        XCTAssertEqual(stalled.1, 0, stalled.2)
        XCTAssertTrue(stalled.2.contains("warning: the validation loss has not moved for two epochs"), stalled.2)
        let live = try run(["train", "--model", "mlp", "--hidden", "16", "--epochs", "3", "--out", dir + "/l.h5"] + small)
        XCTAssertEqual(live.1, 0, live.2)
        XCTAssertFalse(live.2.contains("warning"), live.2)
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
            (["train", "--model", "mlp", "--hidden", "512,,128", "--out", dir + "/a.h5"], "hidden widths must be positive"),
            (["train", "--model", "cnn3", "--hidden", "64,128", "--out", dir + "/a.h5"], "has fixed channels"),
            (["train", "--warmup-steps=-5", "--out", dir + "/a.h5"], "warmup-steps must be in"),
            (["train", "--epochs", "-1", "--out", dir + "/a.h5"], "epochs must be in 1...100000, got -1"),
            (["train", "--noise", "-0.5", "--out", dir + "/a.h5"], "noise must be in [0, 10], got -0.5"),
            (["train", "--model", "gan-conv", "--warmup-steps", "100", "--out", dir + "/a.h5"], "--warmup-steps configures"),
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
