import AEAnalysis
import AEData
import AENet
import AERun
import Foundation

/// Study 2: cross-validated grid of the convolutional autoencoder with a linear bottleneck. Every
/// encoding dim × learning rate × weight decay cell is trained on each of `folds` stratified folds (Adam,
/// MSE, early stopping when the windowed training loss stalls); cells are ranked by the mean ± std of
/// their held-out-fold MSE, and the best cell is refitted on all training data and tested.
///
/// Stage 1 runs the folds (each fold is a dataset file in `folds/`, so fold runs are ordinary, resumable
/// runs whose test split is the held-out fold); stage 2 refits the best cell.
public struct CVStudy: StudyDefinition {
    public static let kind = StudyKind.cv
    public var budget: StudyBudget
    public var dataset: String
    public var encodingDims: [Int]
    public var learningRates: [Float]
    public var weightDecays: [Float]
    public var folds: Int
    /// Early stopping: window of training iterations and tolerance (`TrainConfig.window`, `.tolerance`).
    public var window: Int
    public var tolerance: Float

    /// 4 dims × 3 LRs × 3 weight decays × 3 folds = 108 fold runs (batch 1000, at most 30 epochs) + 1 refit.
    public static let full = CVStudy(
        budget: StudyBudget(epochs: 30, batchSize: 1000, validationFraction: 0), dataset: "mnist", encodingDims: [4, 8, 16, 32],
        learningRates: [1e-2, 1e-3, 1e-4], weightDecays: [1e-3, 1e-4, 1e-5], folds: 3, window: 100, tolerance: 1e-4)

    public static let quick = CVStudy(
        budget: StudyBudget(epochs: 2, batchSize: 100, trainLimit: 900, testLimit: 300, validationFraction: 0), dataset: "mnist",
        encodingDims: [4, 16], learningRates: [1e-3], weightDecays: [1e-4], folds: 3, window: 5, tolerance: 1e-4)

    public init(budget: StudyBudget, dataset: String, encodingDims: [Int], learningRates: [Float], weightDecays: [Float],
                folds: Int, window: Int, tolerance: Float) {
        self.budget = budget
        self.dataset = dataset
        self.encodingDims = encodingDims
        self.learningRates = learningRates
        self.weightDecays = weightDecays
        self.folds = folds
        self.window = window
        self.tolerance = tolerance
    }

    /// One grid cell: its id, factors and training configuration.
    struct Cell {
        var id: String
        var factors: [String: String]
        var model: ModelConfig
        var train: TrainConfig
    }

    var cells: [Cell] {
        encodingDims.flatMap { dim in
            learningRates.flatMap { lr in
                weightDecays.map { wd in
                    var train = budget.trainConfig(.convbottleneck, learningRate: lr, weightDecay: wd)
                    train.window = window
                    train.tolerance = tolerance
                    return Cell(id: "cb-\(datasetTag(dataset))-d\(dim)-lr\(compactNumber(lr))-wd\(compactNumber(wd))",
                                factors: ["dim": "\(dim)", "lr": compactNumber(lr), "wd": compactNumber(wd)],
                                model: ModelConfig(kind: .convbottleneck, latent: dim), train: train)
                }
            }
        }
    }

    public func runs(stage: Int, in folder: StudyFolder) throws -> [StudyRun]? {
        switch stage {
        case 0:
            guard folds >= 2 else { throw StudyError("cv: folds must be >= 2, got \(folds)") }
            return cells.flatMap { cell in
                (0..<folds).map { i in
                    let file = FoldSource.path(folder: folder.path + "/folds", dataset: dataset, trainLimit: budget.trainLimit,
                                               seed: budget.seed, k: folds, index: i)
                    let source = FoldSource(dataset: dataset, trainLimit: budget.trainLimit, seed: budget.seed, k: folds, index: i, path: file)
                    var factors = cell.factors
                    factors["cell"] = cell.id
                    return StudyRun(id: "\(cell.id)-f\(i + 1)of\(folds)",
                                    spec: RunSpec(model: cell.model, train: cell.train, dataset: file, validationFraction: 0),
                                    factors: factors, fold: source)
                }
            }
        case 1:
            guard let best = try ranking(folder).first(where: { $0.complete }) else { return [] }
            return [StudyRun(id: "refit-\(best.cell.id)", spec: budget.runSpec(best.cell.model, best.cell.train, dataset: dataset),
                             factors: best.cell.factors)]
        default:
            return nil
        }
    }

    /// Cells ranked by mean held-out MSE over their finished folds (cells with every fold done first).
    func ranking(_ folder: StudyFolder) throws -> [(cell: Cell, mse: (mean: Double, std: Double), epochs: Double, complete: Bool)] {
        let foldRuns = try runs(stage: 0, in: folder) ?? []
        let results = try folder.results(of: foldRuns)
        let rows = cells.map { cell in
            let done = results.filter { $0.run.factors["cell"] == cell.id && $0.isDone }
            return (cell: cell, mse: meanAndStd(done.map { $0.metric("test").mseMean }),
                    epochs: meanAndStd(done.map { Double($0.epochs) }).mean, complete: done.count == folds)
        }
        return rows.sorted { a, b in
            if a.complete != b.complete { return a.complete }
            if a.mse.mean.isNaN != b.mse.mean.isNaN { return !a.mse.mean.isNaN }
            return a.mse.mean != b.mse.mean ? a.mse.mean < b.mse.mean : a.cell.id < b.cell.id
        }
    }

    public func summarize(_ folder: StudyFolder, runs: [StudyRun]) throws -> StudyReport {
        let ranked = try ranking(folder)
        let table = StudyTable(
            title: "\(folds)-fold cross-validation: held-out MSE per cell (mean ± std over folds), best first", name: "summary",
            columns: ["cell", "encoding dim", "lr", "weight decay", "folds done", "val MSE (mean ± std)", "mean epochs"],
            rows: ranked.map { r in
                [r.cell.id, r.cell.factors["dim"]!, r.cell.factors["lr"]!, r.cell.factors["wd"]!,
                 "\(r.complete ? folds : 0)/\(folds)", cell(r.mse.mean, r.mse.std, 5), cell(r.epochs, 1)]
            })
        var tables = [table]
        if let refit = runs.first(where: { $0.id.hasPrefix("refit-") }) {
            let r = try folder.result(of: refit)
            let test = r.metric("test")
            tables.append(StudyTable(title: "Best cell refitted on all training data", name: "refit",
                                     columns: ["run", "status", "epochs", "test MSE", "test PSNR (dB, mean ± std)"],
                                     rows: [[refit.id, r.status, "\(r.epochs)", cell(test.mseMean, 5), cell(test.psnrMean, test.psnrStd)]]))
        }
        var figures: [(caption: String, file: String)] = []
        let series = try learningRates.compactMap { lr -> LineSeries? in
            // At each encoding dim, the best weight decay for this learning rate.
            let points = encodingDims.compactMap { dim -> (Double, Double)? in
                ranked.first { $0.complete && $0.cell.factors["dim"] == "\(dim)" && $0.cell.factors["lr"] == compactNumber(lr) }
                    .map { (Double(dim), $0.mse.mean) }
            }
            return points.isEmpty ? nil : try LineSeries(name: "lr \(compactNumber(lr))", x: points.map(\.0), y: points.map(\.1))
        }
        if !series.isEmpty {
            try LineChart(series: series, title: "Cross-validated MSE vs encoding dim (best weight decay)", xLabel: "encoding dim",
                          yLabel: "held-out MSE", logY: true).writePNG(to: folder.file("cv-mse-vs-dim.png"))
            figures.append(("Held-out MSE (mean over folds) against the encoding dim, per learning rate", "cv-mse-vs-dim.png"))
        }
        return StudyReport(title: "Cross-validated conv-bottleneck grid", tables: tables, figures: figures,
                           notes: ["Adam, MSE, batch \(budget.batchSize), at most \(budget.epochs) epochs, early stopping when the mean "
                                   + "loss over \(window) iterations improves by less than \(compactNumber(tolerance))."])
    }
}
