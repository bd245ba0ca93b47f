import AENet
import AERun
@testable import AEStudy
import Foundation
import XCTest

/// The grid summary's factor effects: runs paired with their twin at the baseline level, on synthetic results
/// whose effects are known.
final class GridEffectsTests: XCTestCase {
    let grid = GridStudy(budget: StudyBudget(epochs: 1), models: [.cnn3], datasets: ["mnist"], latents: [15, 30],
                         learningRates: [1e-3, 1e-4], l1: [0, 1e-4], dropouts: [0, 0.1], mlpHidden: [])

    /// Test PSNR: 20 dB + latent/10, −3 dB for LR 1e-4, −0.5 for L1, and a dropout cost growing with the latent
    /// (−1 − latent/30); the run `missing` is left unfinished.
    func results(missing: String) throws -> [RunResult] {
        try XCTUnwrap(try grid.runs(stage: 0, in: StudyFolder(path: "/nonexistent/study"))).map { run in
            let f = run.factors, latent = Double(f["latent"]!)!
            var psnr = 20 + latent / 10
            if f["lr"] == "1e-4" { psnr -= 3 }
            if f["l1"] != "0" { psnr -= 0.5 }
            if f["dropout"] != "0" { psnr -= 1 + latent / 30 }
            let test = MetricSummary(loss: 0, mseMean: 0, psnrMean: psnr, psnrStd: 1, accuracy: .nan)
            return RunResult(run: run, status: run.id == missing ? "running" : "finished", epochs: 1,
                             metrics: run.id == missing ? [:] : ["test": test])
        }
    }

    func testPairsMeasureEachFactorAgainstItsBaselineTwin() throws {
        let pairs = grid.effectPairs(try results(missing: "cnn3-mnist-z30-lr1e-3-l1_0-do0.1"))
        // 16 runs; each of the 3 factors pairs 8 runs at its other level with their twins, less the missing run
        // (on one side of a dropout pair, and the twin of the lr and l1 pairs it anchors).
        XCTAssertEqual(pairs.filter { $0.factor == "lr" }.count, 7)
        XCTAssertEqual(pairs.filter { $0.factor == "l1" }.count, 7)
        XCTAssertEqual(pairs.filter { $0.factor == "dropout" }.count, 7)
        for p in pairs where p.factor == "lr" { XCTAssertEqual(p.delta, -3, accuracy: 1e-9) }
        for p in pairs where p.factor == "l1" { XCTAssertEqual(p.delta, -0.5, accuracy: 1e-9) }
        for p in pairs where p.factor == "dropout" { XCTAssertEqual(p.delta, -1 - Double(p.latent) / 30, accuracy: 1e-9) }
        // One-step pairs: the other two factors at baseline; dropout's at latent 30 is the missing run.
        XCTAssertEqual(pairs.filter(\.oneStep).map { "\($0.factor) \($0.latent)" }.sorted(),
                       ["dropout 15", "l1 15", "l1 30", "lr 15", "lr 30"])

        let table = try XCTUnwrap(grid.effectsTable(pairs))
        XCTAssertEqual(table.name, "effects")
        XCTAssertEqual(table.rows, [
            ["cnn3", "mnist", "lr", "1e-4 vs 1e-3", "7", "-3.00 ± 0.00", "-3.00", "-3.00", "15: -3.00, 30: -3.00"],
            ["cnn3", "mnist", "l1", "1e-4 vs 0", "7", "-0.50 ± 0.00", "-0.50", "-0.50", "15: -0.50, 30: -0.50"],
            // Deltas −1.5 (×4 at latent 15) and −2 (×3 at 30): mean −1.714, std 0.267.
            ["cnn3", "mnist", "dropout", "0.1 vs 0", "7", "-1.71 ± 0.27", "-2.00", "-1.50", "15: -1.50"],
        ])
        let chart = try XCTUnwrap(try grid.effectsChart(pairs))
        XCTAssertEqual(chart.series.map(\.name), ["lr 1e-4", "l1 1e-4", "dropout 0.1"])
        XCTAssertEqual(chart.series[2].y, [-1.5])
    }

    /// A grid with one level per factor (the baselines subset) has no pairs, so no table and no figure.
    func testNoSecondLevelMeansNoEffects() throws {
        var single = grid
        single.learningRates = [1e-3]
        single.l1 = [0]
        single.dropouts = [0]
        let runs = try XCTUnwrap(try single.runs(stage: 0, in: StudyFolder(path: "/nonexistent/study")))
        let results = runs.map { RunResult(run: $0, status: "finished", epochs: 1, metrics: [:]) }
        XCTAssertTrue(single.effectPairs(results).isEmpty)
        XCTAssertNil(single.effectsTable([]))
        XCTAssertNil(try single.effectsChart([]))
    }
}
