import AEAnalysis
import AEData
import Foundation
import TestSupport
import XCTest

/// Figures read from run files, as `ae plot history|embedding|confusion` draws them.
final class PlotRunFiguresTests: XCTestCase {
    /// Creates a run file at `dir/run.h5` with whatever `body` writes.
    private func makeRun(_ body: (H5File) throws -> Void) throws -> String {
        let path = try plotTemporaryDirectory(self) + "/run.h5"
        try RunFile.create(at: path, overwrite: false, body)
        return path
    }

    private func writeHistory(_ file: H5File, epochs: Int = 12, validation: Bool = true) throws {
        let e = (1...epochs).map(Double.init)
        try file.write("/history/epoch", doubles: e, shape: [epochs])
        try file.write("/history/train_loss", doubles: e.map { 0.05 / $0 + 0.01 }, shape: [epochs])
        if validation {
            try file.write("/history/val_loss", doubles: e.map { 0.06 / $0 + 0.012 }, shape: [epochs])
            try file.write("/history/val_psnr", doubles: e.map { 18 + 4 * log($0) }, shape: [epochs])
        } else {
            try file.write("/history/val_psnr", doubles: [Double](repeating: .nan, count: epochs), shape: [epochs])
        }
    }

    /// Asserts that `body` throws a one-line `PlotError` containing every piece of `expected`.
    private func assertPlotError<T>(_ expected: [String], file: StaticString = #filePath, line: UInt = #line,
                                    _ body: () throws -> T) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertTrue(error is PlotError, "\(type(of: error)): \(error)", file: file, line: line)
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "not one line: \(text)", file: file, line: line)
            for piece in expected { XCTAssertTrue(text.contains(piece), "'\(piece)' missing from: \(text)", file: file, line: line) }
        }
    }

    func testHistoryDrawsLossAndPSNRPanels() throws {
        let run = try makeRun { try writeHistory($0) }
        let figure = try RunFigures.history(run: run)
        let row = try XCTUnwrap(figure as? FigureRow)
        XCTAssertEqual(row.panels.count, 2)
        let loss = try XCTUnwrap(row.panels[0] as? LineChart)
        XCTAssertEqual(loss.series.map(\.name), ["train", "validation"])
        XCTAssertTrue(loss.logY)
        let out = RunFigures.defaultOutputPath(run: run, suffix: "history")
        XCTAssertTrue(out.hasSuffix("/run-history.png"), out)
        try figure.writePNG(to: out)
        try assertDrawnPNG(out, width: figure.preferredSize.width, height: figure.preferredSize.height)
    }

    func testHistoryWithoutValidationHasOnlyTheTrainLoss() throws {
        let run = try makeRun { try writeHistory($0, validation: false) }
        let row = try XCTUnwrap(try RunFigures.history(run: run) as? FigureRow)
        XCTAssertEqual(row.panels.count, 1)
        XCTAssertEqual((row.panels[0] as? LineChart)?.series.map(\.name), ["train"])
    }

    func testHistoryOfAClassifierShowsValidationAccuracy() throws {
        let run = try makeRun { file in
            try writeHistory(file, validation: false)
            try file.write("/history/val_accuracy", doubles: (1...12).map { 0.8 + 0.01 * Double($0) }, shape: [12])
        }
        let row = try XCTUnwrap(try RunFigures.history(run: run) as? FigureRow)
        XCTAssertEqual(row.panels.count, 2)
        XCTAssertEqual((row.panels[1] as? LineChart)?.title, "Validation accuracy")
    }

    func testHistoryOfAnUntrainedRunNamesTheMissingDatasetAndTheCommand() throws {
        let run = try makeRun { try $0.setAttribute("status", string: "running") }
        assertPlotError(["run.h5", "/history/epoch", "ae train"]) { try RunFigures.history(run: run) }
        let missingFile = (run as NSString).deletingLastPathComponent + "/no-such.h5"
        XCTAssertThrowsError(try RunFigures.history(run: missingFile)) { XCTAssertTrue("\($0)".contains("no-such.h5"), "\($0)") }
    }

    func testPCAEmbeddingUsesExplainedVarianceAndFashionNames() throws {
        var g = SeededGenerator(seed: 5)
        let n = 300
        let run = try makeRun { file in
            try file.setAttribute("dataset", string: "fashion-mnist")
            try file.write("/pca/test/projection", floats: (0..<n * 3).map { _ in Float.random(in: -3...3, using: &g) }, shape: [n, 3])
            try file.write("/pca/test/explained_variance_ratio", floats: [0.234, 0.11, 0.05], shape: [3])
            try file.write("/latents/test/labels", int32s: (0..<n).map { Int32($0 % 10) }, shape: [n])
        }
        let plot = try RunFigures.embedding(run: run, kind: .pca, split: "test")
        XCTAssertEqual([plot.xLabel, plot.yLabel], ["PC1 (23.4%)", "PC2 (11.0%)"])
        XCTAssertEqual(plot.classNames, fashionNames)
        XCTAssertEqual(plot.x.count, n)
        let out = RunFigures.defaultOutputPath(run: run, suffix: "pca-test")
        try plot.writePNG(to: out, width: 500, height: 400)
        try assertDrawnPNG(out, width: 500, height: 400)
    }

    func testTSNEEmbeddingUsesStoredClassNamesAndItsOwnLabels() throws {
        let names = ["zero", "one", "two"]
        let run = try makeRun { file in
            try file.setAttribute("class_names", string: "[\"zero\",\"one\",\"two\"]")
            try file.write("/tsne/val/embedding", doubles: (0..<12).map(Double.init), shape: [6, 2])
            try file.write("/tsne/val/labels", int32s: [0, 1, 2, 0, 1, 2], shape: [6])
            try file.write("/latents/val/labels", int32s: [0, 0, 0], shape: [3])  // a different, larger set in real runs
        }
        let plot = try RunFigures.embedding(run: run, kind: .tsne, split: "val")
        XCTAssertEqual(plot.classNames, names)
        XCTAssertEqual(plot.labels, [0, 1, 2, 0, 1, 2])
        XCTAssertEqual(plot.x, [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(plot.xLabel, "t-SNE 1")
    }

    func testEmbeddingErrorsNameTheMissingDatasetAndTheCommandThatWritesIt() throws {
        let run = try makeRun { file in
            try file.write("/pca/test/projection", doubles: [1, 2, 3, 4], shape: [2, 2])
            try file.write("/tsne/test/embedding", doubles: [1, 2, 3, 4, 5, 6], shape: [3, 2])
            try file.write("/latents/test/labels", int32s: [0, 1], shape: [2])
        }
        assertPlotError(["/tsne/train/embedding", "ae tsne"]) { try RunFigures.embedding(run: run, kind: .tsne, split: "train") }
        assertPlotError(["/pca/val/projection", "ae pca"]) { try RunFigures.embedding(run: run, kind: .pca, split: "val") }
        assertPlotError(["2 labels", "3 points"]) { try RunFigures.embedding(run: run, kind: .tsne, split: "test") }
        XCTAssertNoThrow(try RunFigures.embedding(run: run, kind: .pca, split: "test"))

        let unlabeled = try makeRun { try $0.write("/pca/test/projection", doubles: [1, 2, 3, 4], shape: [2, 2]) }
        assertPlotError(["/latents/test/labels", "ae encode"]) { try RunFigures.embedding(run: unlabeled, kind: .pca, split: "test") }
    }

    func testConfusionReadsCountsAndNamesTheEvalCommandWhenMissing() throws {
        let run = try makeRun { file in
            try file.setAttribute("dataset", string: "mnist")
            try file.write("/metrics/test/confusion", int64s: (0..<100).map { Int64($0 / 10 == $0 % 10 ? 95 : 1) }, shape: [10, 10])
        }
        let plot = try RunFigures.confusion(run: run, split: "test")
        XCTAssertEqual(plot.classCount, 10)
        XCTAssertEqual(plot.classNames, (0..<10).map(String.init))
        XCTAssertEqual(plot.accuracy, 950.0 / 1040.0, accuracy: 1e-12)
        let out = try plotTemporaryDirectory(self) + "/c.png"
        try plot.writePNG(to: out, width: 520, height: 500)
        try assertDrawnPNG(out, width: 520, height: 500)
        assertPlotError(["/metrics/val/confusion", "ae eval", "--split val"]) { try RunFigures.confusion(run: run, split: "val") }
        assertPlotError(["/metrics/test-gaussian0.3/confusion", "--split test --dataset/--corrupt"]) {
            try RunFigures.confusion(run: run, split: "test-gaussian0.3")
        }
    }

    func testDefaultOutputPathSitsNextToTheRun() {
        XCTAssertEqual(RunFigures.defaultOutputPath(run: "runs/cnn.h5", suffix: "tsne-test"), "runs/cnn-tsne-test.png")
        XCTAssertEqual(RunFigures.defaultOutputPath(run: "cnn.H5", suffix: "history"), "cnn-history.png")
        XCTAssertEqual(RunFigures.defaultOutputPath(run: "/a/b/run", suffix: "x"), "/a/b/run-x.png")
    }
}
