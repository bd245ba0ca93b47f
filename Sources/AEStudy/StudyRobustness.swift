import AEAnalysis
import AEData
import AENet
import AERun
import Foundation

/// Study 4: noise robustness. Plain (σ_train = 0) and denoising autoencoders (σ_train > 0) are evaluated
/// on test inputs corrupted by Gaussian noise of several σ, uniform noise and an occlusion (targets stay
/// clean). Figure: test PSNR against σ for all models in one chart (σ = 0 is the clean test set).
public struct RobustnessStudy: StudyDefinition {
    public static let kind = StudyKind.robustness
    public var budget: StudyBudget
    public var models: [ModelConfig.Kind]
    public var datasets: [String]
    public var latent: Int
    public var learningRate: Float
    /// Training noise σ of each variant: 0 = plain autoencoder.
    public var trainNoise: [Float]
    /// Test corruptions, as `Corruption(parsing:)` reads them.
    public var corruptions: [String]
    public var mlpHidden: [Int]

    /// Gaussian σ ∈ {0.1, 0.2, 0.3, 0.5, 1, 2}; additive uniform noise `x + u`, u ~ U[0, 1), clipped to [0, 1];
    /// a 14×14 occlusion.
    public static let defaultCorruptions = ["gaussian:0.1", "gaussian:0.2", "gaussian:0.3", "gaussian:0.5", "gaussian:1.0",
                                            "gaussian:2.0", "uniform-add:1.0", "occlusion:14"]

    public static let full = RobustnessStudy(
        budget: StudyBudget(epochs: 30), models: [.cnn3], datasets: ["mnist"], latent: 30, learningRate: 1e-3,
        trainNoise: [0, 0.3], corruptions: defaultCorruptions, mlpHidden: [])

    public static let quick = RobustnessStudy(
        budget: .quick, models: [.mlp], datasets: ["mnist"], latent: 30, learningRate: 2e-3, trainNoise: [0, 0.3],
        corruptions: defaultCorruptions, mlpHidden: [256, 64])

    public init(budget: StudyBudget, models: [ModelConfig.Kind], datasets: [String], latent: Int, learningRate: Float,
                trainNoise: [Float], corruptions: [String], mlpHidden: [Int]) {
        self.budget = budget
        self.models = models
        self.datasets = datasets
        self.latent = latent
        self.learningRate = learningRate
        self.trainNoise = trainNoise
        self.corruptions = corruptions
        self.mlpHidden = mlpHidden
    }

    /// `/metrics/<name>` of a corruption: `gaussian:0.5` → `corrupt-gaussian-0.5`.
    static func metricName(_ corruption: String) -> String { "corrupt-" + corruption.replacingOccurrences(of: ":", with: "-") }

    public func runs(stage: Int, in folder: StudyFolder) throws -> [StudyRun]? {
        guard stage == 0 else { return nil }
        let parsed = try corruptions.map { try Corruption(parsing: $0).description }
        let evaluations = parsed.map { StudyEvaluation(name: Self.metricName($0), corruption: $0) }
        return models.flatMap { model in
            datasets.flatMap { dataset in
                trainNoise.map { sigma in
                    var train = budget.trainConfig(model, learningRate: learningRate)
                    train.noise = sigma
                    let id = "\(model.rawValue)-\(datasetTag(dataset))-z\(latent)-noise\(compactNumber(sigma))"
                    return StudyRun(id: id, spec: budget.runSpec(autoencoder(model, latent: latent, mlpHidden: mlpHidden), train, dataset: dataset),
                                    factors: ["model": model.rawValue, "dataset": dataset, "noise": compactNumber(sigma)],
                                    evaluations: evaluations)
                }
            }
        }
    }

    /// "plain" or "denoising σ=0.3", with model and dataset when the study has several.
    private func variantName(_ run: StudyRun) -> String {
        let noise = run.spec.train.noise
        var name = noise == 0 ? "plain" : "denoising σ=\(compactNumber(noise))"
        if models.count > 1 || datasets.count > 1 { name = "\(run.factors["model"]!) / \(run.factors["dataset"]!) \(name)" }
        return name
    }

    public func summarize(_ folder: StudyFolder, runs: [StudyRun]) throws -> StudyReport {
        let parsed = try corruptions.map { try Corruption(parsing: $0).description }
        let columns = ["clean"] + parsed
        let metricNames = ["test"] + parsed.map(Self.metricName)
        let results = try folder.results(of: runs)
        // Rows ranked by PSNR averaged over the corruptions.
        let meanCorrupted = { (r: RunResult) in parsed.map { r.metric(Self.metricName($0)).psnrMean }.reduce(0, +) / Double(max(parsed.count, 1)) }
        let ranked = results.ranked(by: meanCorrupted, descending: true)
        let long = StudyTable(
            title: "Test MSE and PSNR under input corruption", name: "summary",
            columns: ["run", "model", "dataset", "train noise", "corruption", "MSE", "PSNR (dB)", "PSNR std"],
            rows: ranked.flatMap { r in
                zip(columns, metricNames).map { corruption, name in
                    let m = r.metric(name)
                    return [r.run.id, r.run.factors["model"]!, r.run.factors["dataset"]!, r.run.factors["noise"]!, corruption,
                            cell(m.mseMean, 5), cell(m.psnrMean), cell(m.psnrStd)]
                }
            })
        let wide = StudyTable(
            title: "Test PSNR (dB, mean ± std) by corruption; rows by mean corrupted PSNR", name: "psnr-by-corruption",
            columns: ["model"] + columns,
            rows: ranked.map { r in [variantName(r.run)] + metricNames.map { cell(r.metric($0).psnrMean, r.metric($0).psnrStd) } })
        var figures: [(caption: String, file: String)] = []
        let gaussian = parsed.compactMap { text -> (Float, String)? in
            if case .gaussian(let s) = try? Corruption(parsing: text) { return (s, Self.metricName(text)) }
            return nil
        }
        let series = try results.filter(\.isDone).map { r in
            try LineSeries(name: variantName(r.run), x: [0] + gaussian.map { Double($0.0) },
                           y: [r.metric("test").psnrMean] + gaussian.map { r.metric($0.1).psnrMean },
                           dashed: r.run.spec.train.noise == 0)
        }
        if !series.isEmpty, !gaussian.isEmpty {
            try LineChart(series: series, title: "Test PSNR vs Gaussian input noise", xLabel: "noise σ", yLabel: "test PSNR (dB)")
                .writePNG(to: folder.file("psnr-vs-sigma.png"))
            figures.append(("Test PSNR against the σ of Gaussian input noise (σ = 0: clean inputs)", "psnr-vs-sigma.png"))
        }
        return StudyReport(title: "Noise robustness: plain vs denoising autoencoders", tables: [wide, long], figures: figures,
                           notes: ["Gaussian and uniform noise are added and the result clipped to [0, 1] (`uniform-add:1` = x + U[0, 1)); "
                                   + "occlusion zeroes a random square."])
    }
}
