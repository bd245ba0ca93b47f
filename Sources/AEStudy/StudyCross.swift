import AEAnalysis
import AEData
import AENet
import AERun
import Foundation

/// Study 3: cross-training. Each model is trained on each dataset and evaluated on its own test set and on
/// the test sets of the others (same image size, same subset settings). Figures: per model, original vs
/// reconstruction grids of every train → test pair side by side.
public struct CrossStudy: StudyDefinition {
    public static let kind = StudyKind.cross
    public var budget: StudyBudget
    public var models: [ModelConfig.Kind]
    public var datasets: [String]
    public var latent: Int
    public var learningRate: Float
    public var mlpHidden: [Int]
    /// Test images shown per reconstruction grid.
    public var gridImages: Int

    /// The full study trains CNN5 without a warm-up (`warmupSteps: 0`, where the other studies give cnn5 its
    /// default 100): that is how its recorded runs (docs/studies/cross-full) trained, and at latent 600 CNN5
    /// trains without one.
    public static let full = CrossStudy(
        budget: StudyBudget(epochs: 30, warmupSteps: 0), models: [.mlp, .cnn3, .cnn5], datasets: ["mnist", "fashion-mnist"], latent: 600,
        learningRate: 1e-3, mlpHidden: [], gridImages: 8)

    public static let quick = CrossStudy(
        budget: .quick, models: [.mlp], datasets: ["mnist", "fashion-mnist"], latent: 30, learningRate: 2e-3,
        mlpHidden: [256, 64], gridImages: 8)

    public init(budget: StudyBudget, models: [ModelConfig.Kind], datasets: [String], latent: Int, learningRate: Float,
                mlpHidden: [Int], gridImages: Int) {
        self.budget = budget
        self.models = models
        self.datasets = datasets
        self.latent = latent
        self.learningRate = learningRate
        self.mlpHidden = mlpHidden
        self.gridImages = gridImages
    }

    /// `/metrics/<name>` of the test set of `dataset` (the run's own test set is `test`).
    static func metricName(_ dataset: String) -> String { "cross-\(datasetTag(dataset))" }

    public func runs(stage: Int, in folder: StudyFolder) throws -> [StudyRun]? {
        guard stage == 0 else { return nil }
        return models.flatMap { model in
            datasets.map { dataset in
                let evaluations = datasets.filter { $0 != dataset }.map { StudyEvaluation(name: Self.metricName($0), dataset: $0) }
                let id = "\(model.rawValue)-\(datasetTag(dataset))-z\(latent)"
                return StudyRun(id: id, spec: budget.runSpec(autoencoder(model, latent: latent, mlpHidden: mlpHidden),
                                                              budget.trainConfig(model, learningRate: learningRate), dataset: dataset),
                                factors: ["model": model.rawValue, "dataset": dataset], evaluations: evaluations)
            }
        }
    }

    /// The metric group of `run` on `dataset`'s test set.
    private func metricName(_ run: StudyRun, on dataset: String) -> String {
        dataset == run.spec.dataset ? "test" : Self.metricName(dataset)
    }

    public func summarize(_ folder: StudyFolder, runs: [StudyRun]) throws -> StudyReport {
        let results = try folder.results(of: runs)
        var rows: [(psnr: Double, id: String, cells: [String])] = []
        for r in results {
            for target in datasets {
                let m = r.metric(metricName(r.run, on: target))
                rows.append((m.psnrMean, r.run.id + target, [r.run.factors["model"]!, r.run.spec.dataset, target,
                                                             cell(m.psnrMean, m.psnrStd), cell(m.mseMean, 5)]))
            }
        }
        rows.sort { $0.psnr.isNaN != $1.psnr.isNaN ? !$0.psnr.isNaN : ($0.psnr != $1.psnr ? $0.psnr > $1.psnr : $0.id < $1.id) }
        let table = StudyTable(title: "Test PSNR (dB, mean ± std over images) by training and test dataset", name: "summary",
                               columns: ["model", "trained on", "tested on", "PSNR (dB)", "MSE"], rows: rows.map(\.cells))
        var figures: [(caption: String, file: String)] = []
        for model in models {
            let done = results.filter { $0.isDone && $0.run.factors["model"] == model.rawValue }
            guard !done.isEmpty else { continue }
            let file = "cross-\(model.rawValue).png"
            try FigureRow(title: "\(model.rawValue): reconstructions, trained on → tested on",
                          panels: try done.flatMap { try grids(for: $0.run, in: folder) }).writePNG(to: folder.file(file))
            figures.append(("\(model.rawValue): originals and reconstructions for every training → test dataset pair", file))
        }
        return StudyReport(title: "Cross-training", tables: [table], figures: figures,
                           notes: ["Each model trained on one dataset, tested on every dataset's test set (\(budget.epochs) epochs, latent \(latent))."])
    }

    /// Original/reconstruction grids of the first `gridImages` test images of every dataset for `run`.
    private func grids(for run: StudyRun, in folder: StudyFolder) throws -> [any Figure] {
        let trained = try TrainedModel(path: folder.runPath(run.id))
        return try datasets.map { target in
            let test = try trained.data(dataset: target, dataDir: folder.dataDir).test
            let n = min(gridImages, test.count)
            let indices = Array(0..<n)
            let originals = Array(UnsafeBufferPointer(start: test.images.pointer, count: n * test.dims.count))
            let recon = try trained.reconstruct(test, indices: indices)
            let psnr = zip(originals.chunked(test.dims.count), recon.chunked(test.dims.count)).map { a, b in
                AENet.psnr(mse: zip(a, b).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Float(a.count))
            }
            return try ImageGrid.comparison(originals: originals, reconstructions: recon, count: n, imageHeight: test.dims.h,
                                            imageWidth: test.dims.w, psnr: psnr, columns: max(1, (n + 1) / 2),
                                            title: "\(datasetTag(run.spec.dataset)) → \(datasetTag(target))")
        }
    }
}

extension Array where Element == Float {
    /// Consecutive slices of `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Float>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
