import AEData
import AENet
import AERun
import AEStudy
import Foundation
import TestSupport
import XCTest

/// `mpirun --oversubscribe -np 2 ae …` for real: a study shared by two ranks writes the same tables as one
/// process, a study whose rank was killed completes on rerun without retraining finished runs, and
/// data-parallel training ends with the weights of the one-process run.
final class DistributedTests: XCTestCase {
    nonisolated(unsafe) static var root = ""
    nonisolated(unsafe) static var tinyDataset = ""

    override class func setUp() {
        super.setUp()
        let folder = TinyMNISTFolder(prefix: "ae-mpi-tests")
        root = folder.root
        tinyDataset = folder.dataset
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
        super.tearDown()
    }

    func path(_ name: String) -> String {
        let p = Self.root + "/\(self.name.filter(\.isLetter))-\(name)"
        try? FileManager.default.removeItem(atPath: p)
        return p
    }

    /// The quick grid preset on the tiny extract (every key but the data and its limits is the preset's).
    func gridArguments(out: String, budget: String = "", keys: String = "") throws -> [String] {
        let spec = path("spec.json")
        try #"{"datasets": ["\#(Self.tinyDataset)"], "budget": {"trainLimit": 400, "testLimit": 100\#(budget)}\#(keys)}"#
            .write(toFile: spec, atomically: true, encoding: .utf8)
        return ["study", "grid", "--preset", "quick", "--spec", spec, "--out", out, "--threads", "1"]
    }

    func testGridQuickPresetGivesTheSameTablesOnTwoRanks() throws {
        let one = path("one"), two = path("two")
        let single = try MPI.run(try MPI.ae(), try gridArguments(out: one))
        XCTAssertEqual(single.status, 0, single.output)
        let shared = try MPI.mpiAE(ranks: 2, try gridArguments(out: two))
        XCTAssertEqual(shared.status, 0, shared.output)
        XCTAssertTrue(shared.output.contains("[rank 0]") && shared.output.contains("[rank 1]"), "both ranks train runs:\n\(shared.output)")
        for table in ["summary.csv", "best.csv"] {
            let a = try String(contentsOfFile: "\(one)/\(table)", encoding: .utf8)
            XCTAssertEqual(a.split(separator: "\n").count, table == "summary.csv" ? 5 : 3, a)
            XCTAssertEqual(try String(contentsOfFile: "\(two)/\(table)", encoding: .utf8), a, table)
        }
    }

    /// `--jobs` children run this executable whatever its file is called: a renamed copy of `ae` works too. Their
    /// ledger records name the study process's commit, not one each child looked up later.
    func testJobsFromARenamedCopyOfAE() throws {
        let copy = path("ae-copy"), out = path("jobs"), ledger = path("ledger")
        try FileManager.default.copyItem(atPath: try MPI.ae(), toPath: copy)
        let result = try MPI.run(copy, try gridArguments(out: out) + ["--jobs", "2", "--ledger", ledger, "--ledger-commit", "0123abcd"])
        XCTAssertEqual(result.status, 0, result.output)
        let summary = try String(contentsOfFile: "\(out)/summary.csv", encoding: .utf8)
        XCTAssertEqual(summary.split(separator: "\n").count, 5, summary)
        let records = try FileManager.default.contentsOfDirectory(atPath: ledger).filter { $0.hasSuffix(".json") }
        XCTAssertEqual(records.count, 4, "\(records)")
        for name in records {
            XCTAssertTrue(try String(contentsOfFile: "\(ledger)/\(name)", encoding: .utf8).contains("\"0123abcd\""), name)
        }
    }

    /// A rank killed mid-study takes the job down; the rerun keeps every finished run file untouched and
    /// trains only the rest.
    func testStudyWithAKilledRankCompletesOnRerun() throws {
        let out = path("killed")
        let arguments = try gridArguments(out: out, budget: #", "epochs": 4"#, keys: #", "models": ["mlp"], "latents": [4, 8, 15, 30, 60, 90]"#)
        let job = try MPI.launch(ranks: 2, arguments)
        let folder = StudyFolder(path: out)
        func finished() -> [StudyRun] {
            guard let study = try? Study<GridStudy>(resumingIn: folder), let runs = try? study.plannedRuns() else { return [] }
            return runs.filter { !folder.needsWork($0) }
        }
        let deadline = Date().addingTimeInterval(60)
        while finished().isEmpty && job.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let ranks = MPI.children(of: job.processIdentifier)
        XCTAssertEqual(ranks.count, 2, "mpirun's ranks")
        if let victim = ranks.max() { kill(victim, SIGKILL) }
        let killed = try MPI.finish(job)
        XCTAssertNotEqual(killed.status, 0, killed.output)
        let done = finished()
        let total = try Study<GridStudy>(resumingIn: folder).plannedRuns().count
        XCTAssertEqual(total, 6)
        guard done.count < total else { throw XCTSkip("every run finished before the kill; nothing to resume") }
        XCTAssertGreaterThan(done.count, 0)
        let dates = try done.map { try FileManager.default.attributesOfItem(atPath: folder.runPath($0.id))[.modificationDate] as! Date }

        let rerun = try MPI.mpiAE(ranks: 2, arguments)
        XCTAssertEqual(rerun.status, 0, rerun.output)
        XCTAssertTrue(rerun.output.contains("6 runs, \(done.count) already done"), rerun.output)
        XCTAssertEqual(finished().count, total)
        XCTAssertEqual(try done.map { try FileManager.default.attributesOfItem(atPath: folder.runPath($0.id))[.modificationDate] as! Date }, dates)
        XCTAssertEqual(try String(contentsOfFile: "\(out)/summary.csv", encoding: .utf8).split(separator: "\n").count, 1 + total)
    }

    /// Max |difference| over every parameter of two runs' final models.
    func weightDifference(_ a: String, _ b: String) throws -> Float {
        let x = try TrainedModel(path: a).model.namedParameters, y = try TrainedModel(path: b).model.namedParameters
        XCTAssertEqual(x.map(\.0), y.map(\.0))
        return zip(x, y).map { p, q in zip(p.1.value.array, q.1.value.array).map { abs($0 - $1) }.max() ?? 0 }.max() ?? .infinity
    }

    /// N ranks with global batch B step like one process with batch B: dropout masks and input noise are
    /// keyed by the example's place in the global batch, the short last batch splits unevenly.
    func assertDistributedMatchesOneProcess(ranks: Int, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let one = path("one.h5"), many = path("many.h5")
        let base = ["train", "--dataset", Self.tinyDataset, "--epochs", "2", "--batch", "50", "--threads", "1",
                    "--train-limit", "480", "--test-limit", "50"] + arguments
        let single = try MPI.run(try MPI.ae(), base + ["--out", one])
        XCTAssertEqual(single.status, 0, single.output, file: file, line: line)
        let shared = try MPI.mpiAE(ranks: ranks, base + ["--out", many, "--distributed"])
        XCTAssertEqual(shared.status, 0, shared.output, file: file, line: line)
        // Float rounding only: the shards' weighted means are added instead of one mean over the batch.
        XCTAssertLessThan(try weightDifference(one, many), 1e-5, file: file, line: line)
    }

    func testDistributedAutoencoderWithDropoutAndNoiseMatchesOneProcess() throws {
        try assertDistributedMatchesOneProcess(ranks: 2, ["--model", "mlp", "--hidden", "64,32", "--latent", "8", "--dropout", "0.2", "--noise", "0.2"])
    }

    /// The VAE's ε is keyed by row too, and its KL term is weighted like the reconstruction.
    func testDistributedVAEMatchesOneProcess() throws {
        try assertDistributedMatchesOneProcess(ranks: 2, ["--model", "vae-mlp", "--hidden", "64", "--latent", "4", "--beta", "0.5"])
    }

    func testDistributedClassifierOnThreeRanksMatchesOneProcess() throws {
        try assertDistributedMatchesOneProcess(ranks: 3, ["--model", "classifier", "--hidden", "64", "--dropout", "0.1"])
    }

    func testTrainUnderMPIRunWithoutDistributedIsRefused() throws {
        let r = try MPI.mpiAE(ranks: 2, ["train", "--dataset", Self.tinyDataset, "--epochs", "1", "--out", path("x.h5")])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.output.contains("pass --distributed"), r.output)
    }
}
