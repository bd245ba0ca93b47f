import AEData
import AENet
import AERun
@testable import AEStudy
import Foundation
import Kernels
import TestSupport
import XCTest

/// Whole studies on a tiny MNIST extract (500 training, 150 test images, stored once as a dataset file so
/// each run loads in milliseconds): tables and figures appear, a second invocation touches nothing,
/// an interrupted run is completed, and the same spec and seed give identical tables.
final class StudyRunTests: XCTestCase {
    nonisolated(unsafe) static var root = ""
    nonisolated(unsafe) static var tinyDataset = ""

    override class func setUp() {
        super.setUp()
        let folder = TinyMNISTFolder(prefix: "ae-study-tests")
        root = folder.root
        tinyDataset = folder.dataset
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
        super.tearDown()
    }

    override func setUp() {
        KernelRuntime.threads = 1  // results are bitwise reproducible for a fixed thread count
    }

    func folder(_ name: String) -> StudyFolder {
        let path = Self.root + "/\(name)-\(self.name.filter(\.isLetter))"
        try? FileManager.default.removeItem(atPath: path)
        return StudyFolder(path: path)
    }

    /// A robustness study small enough for debug builds: two tiny MLPs (plain, denoising), 2 epochs.
    var tinyRobustness: RobustnessStudy {
        RobustnessStudy(budget: StudyBudget(epochs: 2, batchSize: 50), models: [.mlp], datasets: [Self.tinyDataset], latent: 8,
                        learningRate: 3e-3, trainNoise: [0, 0.3], corruptions: ["gaussian:0.5", "gaussian:1.0", "occlusion:14"], mlpHidden: [32])
    }

    func quietOptions(_ lines: LineLog = LineLog()) -> StudyOptions {
        var o = StudyOptions()
        o.log = { lines.append($0) }
        return o
    }

    func modificationDates(_ folder: StudyFolder) throws -> [String: Date] {
        let dir = folder.path + "/runs"
        var out: [String: Date] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = try FileManager.default.attributesOfItem(atPath: "\(dir)/\(name)")[.modificationDate] as? Date
        }
        return out
    }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// The `ae` executable built beside the tests (children of `--jobs`); skips the test without it.
    func aeExecutable() throws -> String {
        let bundle = Bundle(for: Self.self).bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("ae").path }
        guard let exe = candidates.first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("no ae executable beside the tests (\(candidates)); build it first")
        }
        return exe
    }

    /// The study writes its tables and figure; running it again changes no run file; a run interrupted
    /// after one epoch is resumed to the very same result; a different spec for the folder is refused.
    func testRobustnessStudyEndToEndAndResumable() throws {
        let f = folder("robust")
        let study = try Study(tinyRobustness, folder: f, overwrite: false)
        let report = try study.run(quietOptions())
        XCTAssertEqual(report.tables.map(\.name), ["psnr-by-corruption", "summary"])
        let csv = try text(f.file("summary.csv"))
        XCTAssertEqual(csv.split(separator: "\n").count, 1 + 2 * 4, csv)  // header + 2 runs × (clean + 3 corruptions)
        XCTAssertTrue(csv.contains(",occlusion:14,"), csv)
        XCTAssertTrue(try text(f.file("summary.md")).contains("| denoising σ=0.3 |"))
        let png = try XCTUnwrap(FileManager.default.contents(atPath: f.file("psnr-vs-sigma.png")))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let results = try f.results(of: try study.plannedRuns())
        XCTAssertTrue(results.allSatisfy { $0.status == "finished" && $0.epochs == 2 && $0.metrics.count == 4 })
        // Denoising training helps at high noise: PSNR falls more slowly with σ than for the plain model.
        let drop = results.map { $0.metric("test").psnrMean - $0.metric("corrupt-gaussian-1.0").psnrMean }
        XCTAssertLessThan(drop[1], drop[0], "PSNR drop under σ=1 noise: plain \(drop[0]), denoising \(drop[1])")

        // Second invocation: nothing to do, no run file rewritten, same table.
        let before = try modificationDates(f)
        XCTAssertEqual(before.count, 2)
        let log = LineLog()
        try Study(tinyRobustness, folder: f, overwrite: false).run(quietOptions(log))
        XCTAssertEqual(try modificationDates(f), before)
        XCTAssertTrue(log.lines.contains { $0.contains("2 already done, 0 to do") }, "\(log.lines)")
        XCTAssertEqual(try text(f.file("summary.csv")), csv)

        // A run interrupted after its first epoch (status running) is resumed and ends identical.
        let run = try study.plannedRuns()[1]
        try TrainingRun.create(run.spec, at: f.runPath(run.id), overwrite: true).train(stopAfter: 1)
        XCTAssertEqual(f.state(of: run), .running)
        try Study(tinyRobustness, folder: f, overwrite: false).run(quietOptions())
        XCTAssertEqual(f.state(of: run), .done)
        XCTAssertEqual(try text(f.file("summary.csv")), csv, "resumed run should reproduce the uninterrupted one")

        // Another specification for the same folder needs --overwrite.
        var other = tinyRobustness
        other.learningRate = 1e-3  // not part of the run ids: same files, other settings
        XCTAssertThrowsError(try Study(other, folder: f, overwrite: false)) { XCTAssertTrue("\($0)".contains("different"), "\($0)") }
        let changed = try Study(other, folder: f, overwrite: true).plannedRuns()[1]
        XCTAssertEqual(changed.id, run.id)
        XCTAssertEqual(f.state(of: changed), .stale, "a run made with other settings is retrained, not reused")
    }

    /// Same spec and seed in another folder: byte-identical tables.
    func testSameSpecAndSeedGiveIdenticalTables() throws {
        var spec = tinyRobustness
        spec.trainNoise = [0.3]
        let a = folder("same-a"), b = folder("same-b")
        try Study(spec, folder: a, overwrite: false).run(quietOptions())
        try Study(spec, folder: b, overwrite: false).run(quietOptions())
        XCTAssertEqual(try text(a.file("summary.csv")), try text(b.file("summary.csv")))
        XCTAssertEqual(try text(a.file("psnr-by-corruption.csv")), try text(b.file("psnr-by-corruption.csv")))
        spec.budget.seed = 2
        let c = folder("same-c")
        try Study(spec, folder: c, overwrite: false).run(quietOptions())
        XCTAssertNotEqual(try text(a.file("summary.csv")), try text(c.file("summary.csv")), "another seed should change the numbers")
    }

    /// Two conv-bottleneck cells, 2 folds, 1 epoch.
    var tinyCV: CVStudy {
        CVStudy(budget: StudyBudget(epochs: 1, batchSize: 50, testLimit: 100, validationFraction: 0), dataset: Self.tinyDataset,
                encodingDims: [4, 8], learningRates: [3e-3], weightDecays: [1e-5], folds: 2, window: 3, tolerance: 1e-4)
    }

    /// Cross-validation: fold files partition the training images, each cell is ranked by its folds'
    /// held-out MSE, and the best cell is refitted in a second stage.
    func testCrossValidationFoldsAndRefit() throws {
        let f = folder("cv")
        let report = try Study(tinyCV, folder: f, overwrite: false).run(quietOptions())
        let folds = try FileManager.default.contentsOfDirectory(atPath: f.path + "/folds").sorted()
        XCTAssertEqual(folds.count, 2, "\(folds)")
        let parts = try folds.map { try Dataset.loadHDF5(f.path + "/folds/" + $0) }
        XCTAssertEqual(parts.map(\.train.count).reduce(0, +), 500)
        XCTAssertEqual(parts.map(\.test.count).reduce(0, +), 500, "each image is held out exactly once")
        XCTAssertEqual(parts[0].train.images, parts[1].test.images)
        let summary = try XCTUnwrap(report.tables.first { $0.name == "summary" })
        XCTAssertEqual(summary.rows.count, 2)
        XCTAssertTrue(summary.rows.allSatisfy { $0[4] == "2/2" }, "\(summary.rows)")
        let refit = try XCTUnwrap(report.tables.first { $0.name == "refit" })
        XCTAssertEqual(refit.rows.first?.first, "refit-" + summary.rows[0][0], "the best-ranked cell is refitted")
        XCTAssertEqual(refit.rows.first?[1], "finished")
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.file("cv-mse-vs-dim.png")))
    }

    /// `--jobs 2`: runs in two `ae` child processes give the same table as one at a time in process.
    func testParallelChildrenMatchInProcess() throws {
        let exe = try aeExecutable()
        var spec = tinyRobustness
        spec.corruptions = ["gaussian:0.5"]
        let serial = folder("serial"), parallel = folder("parallel")
        try Study(spec, folder: serial, overwrite: false).run(quietOptions())
        var options = quietOptions()
        options.jobs = 2
        options.threadsPerJob = 1
        options.executable = exe
        try Study(spec, folder: parallel, overwrite: false).run(options)
        XCTAssertEqual(try text(parallel.file("summary.csv")), try text(serial.file("summary.csv")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parallel.path + "/logs").count, 2)
    }
}

/// Collects progress lines (thread-safe: the log closure is @Sendable).
final class LineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }
}
