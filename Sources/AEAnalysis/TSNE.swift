import AEData
import CKernels
import Foundation

/// Every setting of a t-SNE run. The defaults are openTSNE's (and the issue's): perplexity 30, PCA
/// initialisation scaled to std 1e-4, early exaggeration 12 for 250 iterations, 750 iterations in all,
/// momentum 0.5 then 0.8, gains with minimum 0.01; the exact gradient up to 2,000 points, Barnes–Hut
/// (θ = 0.5) up to 10,000, FFT interpolation above.
public struct TSNESettings: Sendable, Equatable, Codable {
    public enum Initialization: String, Sendable, Codable, CaseIterable {
        /// The first two principal components, scaled so the first has standard deviation 1e-4.
        case pca
        /// Gaussian with standard deviation 1e-4, from `seed`.
        case random
    }

    public var perplexity = 30.0
    /// Iterations in all, early exaggeration included.
    public var iterations = 750
    public var exaggeration = 12.0
    public var exaggerationIterations = 250
    /// Step size in the convention of bhtsne, FIt-SNE and openTSNE (whose gradient omits the factor 4);
    /// nil = auto: max(n / α, 200) in each phase, α the exaggeration of the phase (Belkina et al. 2019).
    public var learningRate: Double? = nil
    public var initialMomentum = 0.5
    public var finalMomentum = 0.8
    public var minGain = 0.01
    /// nil = exact up to `exactLimit` points, Barnes–Hut up to `barnesHutLimit`, else FFT interpolation.
    public var method: TSNEMethod? = nil
    public var theta = 0.5
    public var initialization = Initialization.pca
    public var seed: UInt64 = 1
    /// KL divergence is computed (and reported) every this many iterations, and after the last.
    public var reportEvery = 50

    /// Largest point count for which `method == nil` picks the exact gradient.
    public static let exactLimit = 2000
    /// Largest point count for which `method == nil` picks Barnes–Hut.
    public static let barnesHutLimit = 10_000

    public init() {}

    /// The method used for `n` points.
    public func resolvedMethod(points n: Int) -> TSNEMethod {
        method ?? (n <= Self.exactLimit ? .exact : n <= Self.barnesHutLimit ? .bh : .fft)
    }

    /// The step size for `n` points in a phase with exaggeration α.
    public func learningRate(points n: Int, exaggeration α: Double) -> Double {
        learningRate ?? max(Double(n) / α, 200)
    }

    /// Throws on settings no run could use.
    public func validate() throws {
        func require(_ ok: Bool, _ what: String) throws { if !ok { throw AnalysisError(what) } }
        try require(perplexity.isFinite && perplexity >= 1, "perplexity must be at least 1, got \(perplexity)")
        try require(iterations >= 1, "iterations must be at least 1, got \(iterations)")
        try require(exaggeration.isFinite && exaggeration >= 1, "exaggeration must be at least 1, got \(exaggeration)")
        try require(exaggerationIterations >= 0, "exaggeration iterations must be ≥ 0")
        try require(learningRate.map { $0.isFinite && $0 > 0 } ?? true, "learning rate must be positive")
        try require(theta.isFinite && theta >= 0, "theta must be ≥ 0, got \(theta)")
        try require(reportEvery >= 1, "report interval must be ≥ 1")
    }
}

/// Where an optimisation is, for progress displays.
public struct TSNEProgress: Sendable {
    public let iteration: Int
    public let iterations: Int
    /// The KL divergence when it was computed at this iteration.
    public let kl: Double?
}

/// A finished t-SNE run.
public struct TSNEResult: Sendable {
    /// n×2, row-major.
    public let embedding: [Double]
    public let settings: TSNESettings
    public let method: TSNEMethod
    /// (iteration, KL) every `reportEvery` iterations and at the end.
    public let klHistory: [(iteration: Int, kl: Double)]
    /// KL divergence of the final embedding (exact Z for the exact method, the method's estimate else).
    public var kl: Double { klHistory.last?.kl ?? .nan }
    /// Fraction of each point's 10 nearest input neighbours that are among its 10 nearest in the embedding.
    public let knnPreservation: Double
    /// Points whose perplexity search missed the tolerance.
    public let uncalibratedPoints: Int
    /// Wall-clock seconds of the stages: affinities (kNN + calibration), optimisation, metrics.
    public let seconds: (affinities: Double, optimization: Double, metrics: Double)
}

/// t-SNE (van der Maaten & Hinton 2008; Barnes–Hut: van der Maaten 2014; FFT interpolation: Linderman et
/// al. 2019) in four pieces: affinities, initialisation, the objective and the optimiser.
public enum TSNE {
    /// Embeds `points` in 2-D. `progress` is called after every iteration.
    public static func run(_ points: PointMatrix, settings: TSNESettings,
                           progress: ((TSNEProgress) -> Void)? = nil) throws -> TSNEResult {
        try settings.validate()
        let n = points.rows
        guard n >= 4 else { throw AnalysisError("t-SNE needs at least 4 points, got \(n)") }
        guard Double(n - 1) > settings.perplexity else {
            throw AnalysisError("perplexity \(settings.perplexity) is too large for \(n) points (must be below \(n - 1))")
        }
        let clock = Stopwatch()
        let k = min(n - 1, Int(3 * settings.perplexity))
        let inputGraph = try NearestNeighbors.exact(points, k: k)
        let (affinities, unconverged) = try Affinities.perplexityBased(inputGraph, perplexity: settings.perplexity)
        let affinitySeconds = clock.lap()

        let method = settings.resolvedMethod(points: n)
        let objective = TSNEObjective(affinities: affinities, method: method, theta: settings.theta)
        var embedding = try initialEmbedding(points, settings: settings)
        let history = optimize(&embedding, objective: objective, settings: settings, progress: progress)
        let optimizationSeconds = clock.lap()

        let kPreserved = min(10, n - 1)
        // A small perplexity leaves fewer than 10 input neighbours (3 × perplexity): find 10 for the metric.
        let inputNeighbors = inputGraph.k >= kPreserved ? inputGraph : try NearestNeighbors.exact(points, k: kPreserved)
        let embeddingGraph = try NearestNeighbors.exact(embedding: embedding, dimension: 2, k: kPreserved)
        let preservation = NearestNeighbors.preservation(input: inputNeighbors, embedding: embeddingGraph, k: kPreserved)
        return TSNEResult(embedding: embedding, settings: settings, method: method, klHistory: history,
                          knnPreservation: preservation, uncalibratedPoints: unconverged,
                          seconds: (affinitySeconds, optimizationSeconds, clock.lap()))
    }

    /// The starting embedding (n×2): PCA or Gaussian, with standard deviation 1e-4 (of the first coordinate).
    public static func initialEmbedding(_ points: PointMatrix, settings: TSNESettings) throws -> [Double] {
        let n = points.rows
        var y: [Double]
        if settings.initialization == .pca, points.columns >= 2 {
            y = try PCA.fit(points, components: 2).projection.values.map(Double.init)
        } else {
            var g = SplitMix64(seed: settings.seed)
            y = (0..<2 * n).map { _ in g.nextGaussian() }
        }
        let firstColumn = stride(from: 0, to: 2 * n, by: 2).map { y[$0] }
        let mean = firstColumn.reduce(0, +) / Double(n)
        let std = (firstColumn.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
        let scale = std > 0 ? 1e-4 / std : 1
        return y.map { $0 * scale }
    }

    /// Gradient descent with momentum and gains on `embedding`: `exaggerationIterations` with P × α and
    /// the initial momentum, then the rest with P and the final momentum. Gains and velocity carry over.
    /// The embedding is re-centred after every step. Returns the KL history.
    public static func optimize(_ embedding: inout [Double], objective: TSNEObjective, settings: TSNESettings,
                                progress: ((TSNEProgress) -> Void)? = nil) -> [(iteration: Int, kl: Double)] {
        let n = objective.count
        var gradient = [Double](repeating: 0, count: 2 * n)
        var update = [Double](repeating: 0, count: 2 * n)
        var gains = [Double](repeating: 1, count: 2 * n)
        var history: [(iteration: Int, kl: Double)] = []
        for iteration in 1...settings.iterations {
            let early = iteration <= settings.exaggerationIterations
            let exaggeration = early ? settings.exaggeration : 1
            let z = objective.gradient(at: embedding, exaggeration: exaggeration, into: &gradient)
            var kl: Double? = nil
            if iteration % settings.reportEvery == 0 {
                kl = objective.divergence(at: embedding, z: z)
                history.append((iteration, kl!))
            }
            // The learning-rate convention omits the gradient's factor 4: step by η/4 on the true gradient.
            let rate = settings.learningRate(points: n, exaggeration: exaggeration) / 4
            ck_tsne_gd_step(&embedding, &update, &gains, gradient, Int64(2 * n), rate,
                            early ? settings.initialMomentum : settings.finalMomentum, settings.minGain)
            recenter(&embedding)
            progress?(TSNEProgress(iteration: iteration, iterations: settings.iterations, kl: kl))
        }
        if history.last?.iteration != settings.iterations {
            history.append((settings.iterations, objective.divergence(at: embedding)))
        }
        return history
    }

    /// Subtracts the mean of each coordinate.
    static func recenter(_ y: inout [Double]) {
        let n = y.count / 2
        var mx = 0.0, my = 0.0
        for i in 0..<n { mx += y[2 * i]; my += y[2 * i + 1] }
        mx /= Double(n)
        my /= Double(n)
        for i in 0..<n { y[2 * i] -= mx; y[2 * i + 1] -= my }
    }
}

/// Seconds since the last lap.
final class Stopwatch {
    private var last = Date()
    func lap() -> Double {
        let now = Date()
        defer { last = now }
        return now.timeIntervalSince(last)
    }
}
