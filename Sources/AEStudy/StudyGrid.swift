import AEAnalysis
import AENet
import AERun
import Foundation

/// Study 1: autoencoder grid search. Every model × dataset × latent × learning rate × L1-on-latent ×
/// dropout is trained; configurations are selected by validation PSNR, and the best one per model and
/// dataset is reported with its test PSNR (mean ± std over test images). Figure: test PSNR against the
/// latent size (best configuration at each size by validation PSNR), one line per model/dataset.
public struct GridStudy: StudyDefinition {
    public static let kind = StudyKind.grid
    public var budget: StudyBudget
    public var models: [ModelConfig.Kind]
    public var datasets: [String]
    public var latents: [Int]
    public var learningRates: [Float]
    /// L1 penalty on the latent code.
    public var l1: [Float]
    public var dropouts: [Float]
    /// Hidden widths of MLP autoencoders (empty = the model default 512, 128).
    public var mlpHidden: [Int]

    /// The issue's grid: 3 models × 2 datasets × 6 latents × 2 LRs × 3 L1 × 3 dropouts = 648 runs of 30 epochs.
    public static let full = GridStudy(
        budget: StudyBudget(epochs: 30), models: [.mlp, .cnn3, .cnn5], datasets: ["mnist", "fashion-mnist"],
        latents: [15, 30, 50, 100, 300, 600], learningRates: [1e-3, 1e-4], l1: [0, 1e-4, 1e-3], dropouts: [0, 0.1, 0.3],
        mlpHidden: [])

    /// 2 models × 2 latents on 1000 MNIST images, 2 epochs.
    public static let quick = GridStudy(
        budget: .quick, models: [.mlp, .cnn3], datasets: ["mnist"], latents: [15, 30], learningRates: [2e-3], l1: [0],
        dropouts: [0], mlpHidden: [256, 64])

    public init(budget: StudyBudget, models: [ModelConfig.Kind], datasets: [String], latents: [Int], learningRates: [Float],
                l1: [Float], dropouts: [Float], mlpHidden: [Int]) {
        self.budget = budget
        self.models = models
        self.datasets = datasets
        self.latents = latents
        self.learningRates = learningRates
        self.l1 = l1
        self.dropouts = dropouts
        self.mlpHidden = mlpHidden
    }

    /// The runs, baseline first: every model, dataset and latent with the first learning rate, L1 and
    /// dropout of the lists, then the configurations one step (in list positions) away from that baseline,
    /// and so on — so the first runs of a study advanced a few at a time (`--limit`) already give the
    /// PSNR-vs-latent curve. Ties keep the order model, dataset, latent, LR, L1, dropout.
    public func runs(stage: Int, in folder: StudyFolder) throws -> [StudyRun]? {
        guard stage == 0 else { return nil }
        var out: [(steps: Int, run: StudyRun)] = []
        for model in models {
            for dataset in datasets {
                for latent in latents {
                    for (i, lr) in learningRates.enumerated() {
                        for (j, l1) in l1.enumerated() {
                            for (k, dropout) in dropouts.enumerated() {
                                var train = budget.trainConfig(model, learningRate: lr)
                                train.l1 = l1
                                let config = autoencoder(model, latent: latent, dropout: dropout, mlpHidden: mlpHidden)
                                let id = "\(model.rawValue)-\(datasetTag(dataset))-z\(latent)-lr\(compactNumber(lr))-l1_\(compactNumber(l1))-do\(compactNumber(dropout))"
                                out.append((i + j + k, StudyRun(
                                    id: id, spec: budget.runSpec(config, train, dataset: dataset),
                                    factors: ["model": model.rawValue, "dataset": dataset, "latent": "\(latent)",
                                              "lr": compactNumber(lr), "l1": compactNumber(l1), "dropout": compactNumber(dropout)],
                                    evaluations: [StudyEvaluation(name: "val", split: "val")])))
                            }
                        }
                    }
                }
            }
        }
        return out.enumerated().sorted { ($0.element.steps, $0.offset) < ($1.element.steps, $1.offset) }.map(\.element.run)
    }

    public func summarize(_ folder: StudyFolder, runs: [StudyRun]) throws -> StudyReport {
        let ranked = try folder.results(of: runs).ranked(by: { $0.metric("val").psnrMean }, descending: true)
        let factorColumns = ["model", "dataset", "latent", "lr", "l1", "dropout"]
        let all = StudyTable(
            title: "All configurations, by validation PSNR", name: "summary",
            columns: ["run"] + factorColumns + ["status", "epochs", "val PSNR (dB)", "test PSNR (dB)", "test PSNR std", "test MSE"],
            rows: ranked.map { r in
                let test = r.metric("test")
                return [r.run.id] + factorColumns.map { r.run.factors[$0] ?? "" }
                    + [r.status, "\(r.epochs)", cell(r.metric("val").psnrMean), cell(test.psnrMean), cell(test.psnrStd), cell(test.mseMean, 5)]
            })
        // Best per model/dataset: the first of each group in the ranking.
        var seen = Set<String>()
        let best = ranked.filter { seen.insert("\($0.run.factors["model"]!)/\($0.run.factors["dataset"]!)").inserted && $0.isDone }
        let bestTable = StudyTable(
            title: "Best configuration per model and dataset (selected by validation PSNR)", name: "best",
            columns: ["model", "dataset", "run", "val PSNR (dB)", "test PSNR (dB, mean ± std)"],
            rows: best.map { r in
                [r.run.factors["model"]!, r.run.factors["dataset"]!, r.run.id, cell(r.metric("val").psnrMean),
                 cell(r.metric("test").psnrMean, r.metric("test").psnrStd)]
            })
        var figures: [(caption: String, file: String)] = []
        if let chart = try psnrVersusLatent(ranked) {
            try chart.writePNG(to: folder.file("psnr-vs-latent.png"))
            figures.append(("Test PSNR against latent size (best configuration per size by validation PSNR)", "psnr-vs-latent.png"))
        }
        let pairs = effectPairs(ranked)
        if let chart = try effectsChart(pairs) {
            try chart.writePNG(to: folder.file("factor-effects.png"))
            figures.append(("Change of test PSNR when one factor leaves the baseline, against latent size", "factor-effects.png"))
        }
        return StudyReport(title: "Autoencoder grid search", tables: [bestTable, all] + [effectsTable(pairs)].compactMap { $0 },
                           figures: figures,
                           notes: ["\(runs.count) configurations, \(budget.epochs) epochs each; selection by validation PSNR."])
    }

    /// One line per model/dataset: at each latent size, the test PSNR of the configuration with the best
    /// validation PSNR. Nil when no run has finished.
    private func psnrVersusLatent(_ ranked: [RunResult]) throws -> LineChart? {
        var series: [LineSeries] = []
        for model in models {
            for dataset in datasets {
                let points = latents.compactMap { z -> (Double, Double)? in
                    guard let r = ranked.first(where: {
                        $0.isDone && $0.run.factors["model"] == model.rawValue && $0.run.factors["dataset"] == dataset
                            && $0.run.factors["latent"] == "\(z)"
                    }) else { return nil }
                    return (Double(z), r.metric("test").psnrMean)
                }
                guard !points.isEmpty else { continue }
                series.append(try LineSeries(name: "\(model.rawValue) / \(dataset)", x: points.map(\.0), y: points.map(\.1)))
            }
        }
        guard !series.isEmpty else { return nil }
        return try LineChart(series: series, title: "Test PSNR vs latent size", xLabel: "latent size", yLabel: "test PSNR (dB)",
                             logX: true)
    }
}

/// An autoencoder of `kind` with the given latent size and dropout; MLPs get `mlpHidden` when not empty.
func autoencoder(_ kind: ModelConfig.Kind, latent: Int, dropout: Float = 0, mlpHidden: [Int]) -> ModelConfig {
    ModelConfig(kind: kind, latent: latent, hidden: kind == .mlp ? mlpHidden : [], dropout: dropout)
}
