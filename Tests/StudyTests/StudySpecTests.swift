import AENet
import AERun
@testable import AEStudy
import Foundation
import XCTest

/// Specifications: expansion into runs (counts, deterministic unique ids), JSON overlays, number tags.
final class StudySpecTests: XCTestCase {
    let folder = StudyFolder(path: "/nonexistent/study")

    func allRuns<D: StudyDefinition>(_ d: D) throws -> [StudyRun] { try XCTUnwrap(try d.runs(stage: 0, in: folder)) }

    /// The full studies have the issue's sizes, and every id is unique and the same on every expansion.
    func testFullStudiesExpandToTheIssuesGrids() throws {
        let counts: [(String, [StudyRun], Int)] = [
            ("grid", try allRuns(GridStudy.full), 3 * 2 * 6 * 2 * 3 * 3),
            ("cv", try allRuns(CVStudy.full), 4 * 3 * 3 * 3),
            ("cross", try allRuns(CrossStudy.full), 3 * 2),
            ("robustness", try allRuns(RobustnessStudy.full), 2),
            ("classifier", try allRuns(ClassifierStudy.full), 4 * 3 * 2 * 3),
        ]
        for (name, runs, expected) in counts {
            XCTAssertEqual(runs.count, expected, name)
            XCTAssertEqual(Set(runs.map(\.id)).count, runs.count, "\(name): ids must be unique")
            XCTAssertTrue(runs.allSatisfy { $0.id.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } }, name)
        }
        XCTAssertEqual(try allRuns(GridStudy.full).map(\.id), try allRuns(GridStudy.full).map(\.id))
        let grid = try allRuns(GridStudy.full)
        let run = try XCTUnwrap(grid.first { $0.id == "cnn3-mnist-z30-lr1e-3-l1_0-do0" }, "readable id of a known configuration")
        XCTAssertEqual(run.spec.model.kind, .cnn3)
        XCTAssertEqual(run.spec.model.latent, 30)
        XCTAssertEqual(run.spec.train.optimizer.learningRate, 1e-3)
        XCTAssertEqual(run.spec.train.epochs, 30)
        XCTAssertTrue(grid.contains { $0.id == "mlp-fashion-z600-lr1e-4-l1_1e-3-do0.3" && $0.spec.model.dropout == 0.3 && $0.spec.train.l1 == 1e-3 })
        let cv = try allRuns(CVStudy.full)
        XCTAssertTrue(cv.allSatisfy { $0.spec.model.kind == .convbottleneck && $0.spec.train.batchSize == 1000 && $0.spec.train.window == 100 })
        XCTAssertEqual(Set(cv.compactMap { $0.fold?.index }), [0, 1, 2])
        let robust = try allRuns(RobustnessStudy.full)
        XCTAssertEqual(robust.map(\.spec.train.noise), [0, 0.3])
        XCTAssertEqual(robust[0].evaluations.map(\.corruption), RobustnessStudy.defaultCorruptions)
    }

    /// The quick presets are small: few runs, at most 2 epochs, at most 1000 training images.
    func testQuickPresetsAreTiny() throws {
        let budgets = [GridStudy.quick.budget, CVStudy.quick.budget, CrossStudy.quick.budget, RobustnessStudy.quick.budget,
                       ClassifierStudy.quick.budget]
        XCTAssertTrue(budgets.allSatisfy { $0.epochs <= 2 && ($0.trainLimit ?? .max) <= 1000 && ($0.testLimit ?? .max) <= 300 })
        XCTAssertLessThanOrEqual(try allRuns(GridStudy.quick).count, 8)
        XCTAssertLessThanOrEqual(try allRuns(ClassifierStudy.quick).count, 8)
    }

    /// A spec file names only what changes; nested objects merge; unknown keys are refused.
    func testJSONOverlay() throws {
        let json = Data(#"{"latents": [15, 50], "budget": {"epochs": 3, "trainLimit": 500}}"#.utf8)
        let spec = try GridStudy.parse(json: json, over: .full, file: "s.json")
        XCTAssertEqual(spec.latents, [15, 50])
        XCTAssertEqual(spec.budget.epochs, 3)
        XCTAssertEqual(spec.budget.trainLimit, 500)
        XCTAssertEqual(spec.budget.batchSize, GridStudy.full.budget.batchSize)
        XCTAssertEqual(spec.models, GridStudy.full.models)
        XCTAssertEqual(try allRuns(spec).count, 3 * 2 * 2 * 2 * 3 * 3)
        // Without warmupSteps each model gets its own default (cnn5 saturates at seed 1 without one), as `ae train`
        // gives; a number in the spec applies to every model.
        XCTAssertTrue(try allRuns(spec).allSatisfy { $0.spec.train.warmupSteps == ($0.spec.model.kind == .cnn5 ? 100 : 0) })
        XCTAssertTrue(try allRuns(spec).contains { $0.spec.model.kind == .cnn5 })
        let warm = try GridStudy.parse(json: Data(#"{"budget": {"warmupSteps": 200}}"#.utf8), over: .full, file: "s.json")
        XCTAssertTrue(try allRuns(warm).allSatisfy { $0.spec.train.warmupSteps == 200 })
        let cold = try GridStudy.parse(json: Data(#"{"budget": {"warmupSteps": 0}}"#.utf8), over: .full, file: "s.json")
        XCTAssertTrue(try allRuns(cold).allSatisfy { $0.spec.train.warmupSteps == 0 })
        // The full cross-training study keeps the settings its committed records were trained with: no warm-up.
        XCTAssertTrue(try allRuns(CrossStudy.full).allSatisfy { $0.spec.train.warmupSteps == 0 })
        XCTAssertThrowsError(try GridStudy.parse(json: Data(#"{"latent": [15]}"#.utf8), over: .full, file: "s.json")) {
            XCTAssertTrue("\($0)".contains("unknown key 'latent'"), "\($0)")
        }
        XCTAssertThrowsError(try GridStudy.parse(json: Data(#"{"budget": {"epoch": 3}}"#.utf8), over: .full, file: "s.json"))
        XCTAssertThrowsError(try GridStudy.parse(json: Data(#"{"models": ["rnn"]}"#.utf8), over: .full, file: "s.json"))
        XCTAssertThrowsError(try ClassifierStudy.parse(json: Data(#"{"schedules": ["cosine"]}"#.utf8), over: .quick, file: "c.json")
            .runs(stage: 0, in: folder))
    }

    /// Out-of-range values in a spec file are refused when the study is opened, naming the run, and nothing is
    /// written: otherwise each bad run would fail only when its turn came.
    func testOutOfRangeSpecsAreRefusedBeforeAnythingIsWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spec-check-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (json, expected) in [(#"{"latents": [-5]}"#, "latent size must be in 1...100000, got -5"),
                                 (#"{"dropouts": [0, 1.5]}"#, "do1.5: dropout must be in [0, 1), got 1.5"),
                                 (#"{"budget": {"epochs": 0}}"#, "epochs must be in 1...100000, got 0"),
                                 (#"{"budget": {"warmupSteps": -3}}"#, "warmup-steps must be in"),
                                 (#"{"latents": []}"#, "plans no runs")] {
            let spec = try GridStudy.parse(json: Data(json.utf8), over: .quick, file: "s.json")
            XCTAssertThrowsError(try Study(spec, folder: StudyFolder(path: dir), overwrite: false), json) {
                XCTAssertTrue("\($0)".contains(expected), "\(json): \($0)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir), json)
        }
        XCTAssertThrowsError(try GridStudy.parse(specFile: Data("learningRates: [.nan]".utf8), over: .quick, file: "s.yaml")) {
            XCTAssertTrue("\($0)".contains("is nan, not a finite number"), "\($0)")
        }
    }

    /// A YAML spec file means the same as the JSON one (numbers like 1e-3 stay numbers); bad YAML and
    /// YAML-only values are one-line errors naming the file.
    func testYAMLSpecEqualsJSON() throws {
        let yaml = Data("""
            # a reduced grid
            latents: [15, 50]
            learningRates:
              - 1e-3
            budget:
              epochs: 3
              trainLimit: 500
            """.utf8)
        let json = Data(#"{"latents": [15, 50], "learningRates": [0.001], "budget": {"epochs": 3, "trainLimit": 500}}"#.utf8)
        let fromYAML = try GridStudy.parse(specFile: yaml, over: .full, file: "s.yaml")
        XCTAssertEqual(fromYAML, try GridStudy.parse(specFile: json, over: .full, file: "s.json"))
        XCTAssertEqual(fromYAML.learningRates, [1e-3])
        XCTAssertNotEqual(fromYAML, GridStudy.full)
        for (text, expected) in [("latents: [15, 50", "not valid YAML"), ("- 15\n- 30", "expected a YAML mapping"),
                                 ("latent: [15]", "unknown key 'latent'"), ("budget: {epochs: 2026-01-01}", "not a string, number")] {
            XCTAssertThrowsError(try GridStudy.parse(specFile: Data(text.utf8), over: .full, file: "bad.yml")) {
                XCTAssertTrue("\($0)".hasPrefix("bad.yml: ") && "\($0)".contains(expected), "\($0)")
                XCTAssertFalse("\($0)".contains("\n"), "\($0)")
            }
        }
    }

    /// The committed cnn3/mnist spec is the issue's grid for one model and dataset (108 runs of 30 epochs on
    /// all data), planned baseline first: lr 1e-3, L1 0, dropout 0 at every latent, then one step away.
    func testCommittedGridSpecRunsBaselineFirst() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/studies/grid-cnn3-mnist.yaml").path
        let spec = try GridStudy.parse(specFile: try XCTUnwrap(FileManager.default.contents(atPath: file)), over: .full, file: file)
        var expected = GridStudy.full
        (expected.models, expected.datasets) = ([.cnn3], ["mnist"])
        XCTAssertEqual(spec, expected)
        let runs = try allRuns(spec)
        XCTAssertEqual(runs.count, 108)
        XCTAssertTrue(runs.allSatisfy { $0.spec.trainLimit == nil && $0.spec.train.epochs == 30 })
        XCTAssertEqual(runs.prefix(6).map(\.id), [15, 30, 50, 100, 300, 600].map { "cnn3-mnist-z\($0)-lr1e-3-l1_0-do0" })
        XCTAssertEqual(runs[6...8].map(\.id), ["cnn3-mnist-z15-lr1e-3-l1_0-do0.1", "cnn3-mnist-z15-lr1e-3-l1_1e-4-do0",
                                                "cnn3-mnist-z15-lr1e-4-l1_0-do0"])
        XCTAssertEqual(runs.last?.id, "cnn3-mnist-z600-lr1e-4-l1_1e-3-do0.3")
        XCTAssertEqual(Set(runs.map(\.id)), Set(try allRuns(expected).map(\.id)))
    }

    func testCompactNumbers() {
        XCTAssertEqual([0, 1e-3, 1e-4, 1e-5, 3e-4, 2.5e-3, 0.01, 0.1, 0.3, 1, 2, 0.05].map(compactNumber),
                       ["0", "1e-3", "1e-4", "1e-5", "3e-4", "2.5e-3", "1e-2", "0.1", "0.3", "1", "2", "0.05"])
    }

    func testTablesFormatCSVAndMarkdown() {
        let t = StudyTable(title: "T", name: "t", columns: ["a", "b"], rows: [["x, y", "1 | 2"]])
        XCTAssertEqual(t.csv, "a,b\n\"x, y\",1 | 2\n")
        XCTAssertEqual(t.markdown, "### T\n\n| a | b |\n| --- | --- |\n| x, y | 1 \\| 2 |\n")
    }
}
