import AERun
@testable import AEStudy
import Foundation
import XCTest

/// The ledger (`--ledger DIR`): one committed record per finished run, which stands in for the run file
/// in later sessions, and `--limit N`, which advances a study a few runs at a time.
extension StudyRunTests {
    /// Two tiny MLP configurations of the grid study, 1 epoch each.
    var tinyGrid: GridStudy {
        GridStudy(budget: StudyBudget(epochs: 1, batchSize: 50), models: [.mlp], datasets: [Self.tinyDataset], latents: [4, 8],
                  learningRates: [3e-3], l1: [0], dropouts: [0], mlpHidden: [32])
    }

    func ledger(_ name: String) -> StudyLedger {
        let path = Self.root + "/ledger-\(name)-\(self.name.filter(\.isLetter))"
        try? FileManager.default.removeItem(atPath: path)
        return StudyLedger(path: path)
    }

    func withLedger(_ f: StudyFolder, _ ledger: StudyLedger) -> StudyFolder { StudyFolder(path: f.path, dataDir: f.dataDir, ledger: ledger) }

    func records(_ ledger: StudyLedger) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: ledger.path).sorted()
    }

    /// Finished runs leave records holding their settings and metrics; with the study folder deleted, the
    /// same command trains nothing, creates no run file, and writes the same summary from the records.
    func testLedgerRecordsRunsAndReplacesTheRunFiles() throws {
        let book = ledger("replace")
        let first = withLedger(folder("ledger-a"), book)
        let study = try Study(tinyGrid, folder: first, overwrite: false)
        try study.run(quietOptions())
        let runs = try study.plannedRuns()
        XCTAssertEqual(try records(book), runs.map { "\($0.id).json" }.sorted())
        for run in runs {
            let record = try XCTUnwrap(try book.record(of: run))
            let fromFile = try StudyFolder(path: first.path).result(of: run)
            XCTAssertEqual(record.status, "finished")
            XCTAssertEqual(record.epochs, 1)
            XCTAssertEqual(record.factors, run.factors)
            // (accuracy is NaN for autoencoders, which == would never match)
            let numbers = { (m: MetricSummary) in [m.loss, m.mseMean, m.psnrMean, m.psnrStd] }
            XCTAssertEqual(record.metrics.mapValues(numbers), fromFile.metrics.mapValues(numbers), "the record holds the run file's metrics")
            XCTAssertEqual(Set(record.metrics.keys), ["test", "val"])
            XCTAssertEqual(record.threads, 1)
            XCTAssertGreaterThan(record.trainingSeconds, 0)
            XCTAssertFalse(record.finalTrainLoss.isNaN)
        }
        let csv = try text(first.file("summary.csv")), best = try text(first.file("best.csv"))
        XCTAssertTrue(csv.contains(",finished,1,"), csv)

        try FileManager.default.removeItem(atPath: first.path)
        let second = try rerunTrainsNothing(tinyGrid, in: "ledger-b", book, progress: "2 already done, 0 to do")
        XCTAssertEqual(try text(second.file("summary.csv")), csv)
        XCTAssertEqual(try text(second.file("best.csv")), best)
        XCTAssertTrue(FileManager.default.fileExists(atPath: second.file("psnr-vs-latent.png")))
    }

    /// A cross-validation study continued in another folder (the next session's `--out`) takes its fold runs
    /// from the ledger, although each fold's dataset is a file of the first folder: nothing is retrained.
    func testCrossValidationLedgerServesAnotherFolder() throws {
        let book = ledger("cv")
        let first = withLedger(folder("ledger-cv-a"), book)
        try Study(tinyCV, folder: first, overwrite: false).run(quietOptions())
        XCTAssertEqual(try records(book).count, 5, "4 fold runs and the refit")
        let csv = try text(first.file("summary.csv"))

        let second = try rerunTrainsNothing(tinyCV, in: "ledger-cv-b", book, progress: "4 already done, 0 to do")
        XCTAssertEqual(try text(second.file("summary.csv")), csv)
    }

    /// Runs `study` in a new folder `name` with `book`: the progress says `progress` and no run file is made.
    func rerunTrainsNothing<D: StudyDefinition>(_ study: D, in name: String, _ book: StudyLedger, progress: String) throws -> StudyFolder {
        let second = withLedger(folder(name), book)
        let log = LineLog()
        try Study(study, folder: second, overwrite: false).run(quietOptions(log))
        XCTAssertTrue(log.lines.contains { $0.contains(progress) }, "\(log.lines)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: second.path + "/runs"), [], "nothing retrained")
        return second
    }

    /// `limit` trains that many runs per invocation, in plan order, and the summary shows the rest as missing;
    /// a finished run file without a record (a study started before the ledger) is recorded, not retrained.
    func testLimitAdvancesTheStudyAFewRunsAtATime() throws {
        let book = ledger("limit")
        let f = withLedger(folder("limit"), book)
        var options = quietOptions()
        options.limit = 0
        try Study(tinyGrid, folder: f, overwrite: false).run(options)
        XCTAssertFalse(FileManager.default.fileExists(atPath: book.path), "limit 0 only summarises")
        XCTAssertEqual(try text(f.file("summary.csv")).components(separatedBy: ",missing,").count - 1, 2)

        let log = LineLog()
        options = quietOptions(log)
        options.limit = 1
        let study = try Study(tinyGrid, folder: f, overwrite: false)
        try study.run(options)
        let runs = try study.plannedRuns()
        XCTAssertEqual(try records(book), ["\(runs[0].id).json"], "the first run of the plan")
        XCTAssertTrue(log.lines.contains { $0.contains("training 1 of the 2 now") }, "\(log.lines)")
        XCTAssertEqual(try text(f.file("summary.csv")).components(separatedBy: ",missing,").count - 1, 1)
        let listing = try text(f.file("ledger.csv")).split(separator: "\n")
        XCTAssertEqual(listing.count, 2, "header and the one recorded run: \(listing)")
        XCTAssertTrue(listing[1].hasPrefix("\(runs[0].id),finished,1,"), "\(listing)")
        XCTAssertTrue(try text(f.file("summary.md")).contains("1 of 2 runs recorded"))

        // The second run finishes outside the ledger; the next invocation records it without training.
        try Study(tinyGrid, folder: StudyFolder(path: f.path), overwrite: false).run(quietOptions())
        let before = try FileManager.default.attributesOfItem(atPath: f.runPath(runs[1].id))[.modificationDate] as? Date
        try study.run(options)
        XCTAssertEqual(try records(book), runs.map { "\($0.id).json" }.sorted())
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: f.runPath(runs[1].id))[.modificationDate] as? Date, before)
    }

    /// A truncated record, a record of another run, or one made with other settings stop the study with a
    /// one-line error naming the file (records stand for committed work, so they are never silently redone);
    /// a run interrupted mid-training has no record and is redone.
    func testBadRecordsAreErrorsAndInterruptedRunsAreRedone() throws {
        let book = ledger("bad")
        let f = withLedger(folder("bad"), book)
        let study = try Study(tinyGrid, folder: f, overwrite: false)
        try study.run(quietOptions())
        let run = try study.plannedRuns()[0]
        let path = book.recordPath(run.id)
        let good = try XCTUnwrap(FileManager.default.contents(atPath: path))

        func expectError(_ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try study.run(quietOptions()), line: line) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(path) && message.contains(fragment), message, line: line)
                XCTAssertFalse(message.contains("\n"), "one line: \(message)", line: line)
            }
        }
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: path))
        expectError("not a readable ledger record")
        try good.write(to: URL(fileURLWithPath: book.recordPath(run.id)))
        var other = try XCTUnwrap(try book.record(of: run))
        other.id = "someone-else"
        try other.json().write(to: URL(fileURLWithPath: path))
        expectError("not a ledger record of run")
        other.id = run.id
        other.runSpec.train.epochs = 5
        try other.json().write(to: URL(fileURLWithPath: path))
        expectError("other settings")

        // Interrupted after one of two epochs: no record, counted as to do, resumed, then recorded.
        try FileManager.default.removeItem(atPath: path)
        var twoEpochs = run.spec
        twoEpochs.train.epochs = 2
        var longer = tinyGrid
        longer.budget.epochs = 2
        let g = withLedger(folder("interrupted"), ledger("interrupted"))
        let resumed = try Study(longer, folder: g, overwrite: false)
        let first = try resumed.plannedRuns()[0]
        XCTAssertEqual(first.spec, twoEpochs)
        try TrainingRun.create(first.spec, at: g.runPath(first.id), overwrite: true).train(stopAfter: 1)
        let log = LineLog()
        var options = quietOptions(log)
        options.limit = 1
        try resumed.run(options)
        XCTAssertTrue(log.lines.contains { $0.contains("0 already done, 2 to do") }, "\(log.lines)")
        XCTAssertEqual(try g.ledger?.record(of: first)?.epochs, 2)
    }

    /// Records depend on the run, not on who trained it: `--jobs 2` children write the same records as
    /// in-process training with the same thread count, byte for byte apart from wall time, throughput and commit.
    func testRecordsDoNotDependOnJobs() throws {
        let exe = try aeExecutable()
        let serial = ledger("serial"), parallel = ledger("parallel")
        try Study(tinyGrid, folder: withLedger(folder("jobs-1"), serial), overwrite: false).run(quietOptions())
        var options = quietOptions()
        options.jobs = 2
        options.threadsPerJob = 1
        options.executable = exe
        let study = try Study(tinyGrid, folder: withLedger(folder("jobs-2"), parallel), overwrite: false)
        try study.run(options)
        func measured(_ record: LedgerRecord?) throws -> String {
            var r = try XCTUnwrap(record)
            (r.trainingSeconds, r.imagesPerSecond, r.commit) = (0, 0, nil)
            return String(decoding: try r.json(), as: UTF8.self)
        }
        for run in try study.plannedRuns() {
            XCTAssertEqual(try measured(try parallel.record(of: run)), try measured(try serial.record(of: run)), run.id)
        }
    }
}
