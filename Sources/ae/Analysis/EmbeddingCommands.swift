import AEAnalysis
import AEData
import ArgumentParser
import Foundation
import Kernels

/// PCA and t-SNE commands.
enum EmbeddingCommands {
    static let all: [ParsableCommand.Type] = [PCACommand.self, TSNECommand.self]
}

/// Where the points come from and where results go; shared by `ae pca` and `ae tsne`.
struct EmbeddingInputOptions: ParsableArguments {
    @Argument(help: "A run file (RUN.h5, uses /latents/<split>/z), FILE.h5:/dataset, or FILE.npy (points × dims).")
    var input: String

    @Option(help: "Split of the run's latents to analyse; also names the result group (/pca/<split>, /tsne/<split>).")
    var split = "test"

    @Option(help: "HDF5 file for the results (required unless INPUT is a run file; created if missing, else updated).")
    var out: String?

    @Option(help: "Analyse at most this many points (a uniform random subsample drawn from --seed).")
    var maxPoints: Int?

    func validate() throws {
        if let m = maxPoints, m < 2 { throw ValidationError("--max-points must be at least 2, got \(m)") }
        let source = try parsedSource()
        if source.runFilePath == nil, out == nil {
            throw ValidationError("\(input) is not a run file: pass --out FILE.h5 for the results")
        }
    }

    func parsedSource() throws -> LatentSource {
        do { return try LatentSource.parse(input, split: split) } catch { throw ValidationError("\(error)") }
    }

    /// Reads the points, subsampled to --max-points.
    func load(seed: UInt64) throws -> (LatentSource, LatentSet) {
        let source = try parsedSource()
        return (source, try source.load().subsample(maxPoints: maxPoints, seed: seed))
    }

    /// Runs `body` on the output file: --out (updated if it exists, else created), else the run file.
    func withOutput(_ source: LatentSource, _ body: (H5File) throws -> Void) throws -> String {
        let path = out ?? source.runFilePath!
        if FileManager.default.fileExists(atPath: path) {
            try RunFile.update(at: path, body)
        } else {
            try RunFile.create(at: path, overwrite: false, body)
        }
        return path
    }
}

/// `ae pca`: principal components of a run's latents (or any array), stored under /pca/<split>.
struct PCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pca",
        abstract: "Principal components of latent codes; results go to /pca/<split> in the run (or --out) file.")

    @OptionGroup var io: EmbeddingInputOptions

    @Option(help: "Components to keep (capped at min(points, dimensions)).")
    var components = 50

    @Option(help: "Seed of the --max-points subsample.")
    var seed: UInt64 = 1

    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        if components < 1 { throw ValidationError("--components must be at least 1, got \(components)") }
    }

    func run() throws {
        try kernel.apply()
        let (source, set) = try io.load(seed: seed)
        let k = min(components, set.points.rows, set.points.columns)
        let pca = try PCA.fit(set.points, components: k)
        let path = try io.withOutput(source) { file in
            try AnalysisStore.write(pca, of: set, source: source.description, to: file, group: "/pca/\(io.split)")
        }
        let cumulative = pca.explainedVarianceRatio.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1) }
        print("PCA of \(set.points.rows) × \(set.points.columns) points from \(source): \(k) components")
        for i in 0..<min(k, 10) {
            print(String(format: "  PC%-3d variance %-12.6g ratio %.4f  cumulative %.4f", i + 1,
                         pca.explainedVariance[i], pca.explainedVarianceRatio[i], cumulative[i]))
        }
        if k > 10 { print(String(format: "  ... %d components explain %.4f of the variance", k, cumulative[k - 1])) }
        print("wrote \(path):/pca/\(io.split)")
    }
}

/// `ae tsne`: a 2-D t-SNE embedding of a run's latents (or any array), stored under /tsne/<split>.
struct TSNECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsne",
        abstract: "2-D t-SNE embedding of latent codes; results go to /tsne/<split> in the run (or --out) file.")

    @OptionGroup var io: EmbeddingInputOptions

    @Option(help: "Perplexity (effective number of neighbours).")
    var perplexity = 30.0

    @Option(help: "Iterations in all, early exaggeration included.")
    var iterations = 750

    @Option(help: "Early exaggeration factor.")
    var exaggeration = 12.0

    @Option(help: "Iterations with early exaggeration.")
    var exaggerationIterations = 250

    @Option(help: "Step size, or 'auto' = max(n / exaggeration, 200) per phase (openTSNE's convention).")
    var learningRate = "auto"

    @Option(help: "exact (O(n²)), bh (Barnes–Hut) or fft (FFT-accelerated interpolation); default: exact up to \(TSNESettings.exactLimit) points, bh up to \(TSNESettings.barnesHutLimit), else fft.")
    var method: String?

    @Option(help: "Barnes–Hut accuracy θ (smaller is more exact and slower).")
    var theta = 0.5

    @Option(help: "Initialisation: pca or random.")
    var initialization = "pca"

    @Option(help: "Seed of the random initialisation and of the --max-points subsample.")
    var seed: UInt64 = 1

    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        do { try settings().validate() } catch let error as AnalysisError { throw ValidationError(error.description) }
    }

    /// The command line as t-SNE settings.
    func settings() throws -> TSNESettings {
        var s = TSNESettings()
        s.perplexity = perplexity
        s.iterations = iterations
        s.exaggeration = exaggeration
        s.exaggerationIterations = exaggerationIterations
        s.theta = theta
        s.seed = seed
        if learningRate != "auto" {
            guard let rate = Double(learningRate), rate > 0 else {
                throw ValidationError("--learning-rate must be 'auto' or a positive number, got '\(learningRate)'")
            }
            s.learningRate = rate
        }
        if let method {
            guard let m = TSNEMethod(rawValue: method.lowercased()) else {
                throw ValidationError("--method must be one of \(TSNEMethod.allCases.map(\.rawValue).joined(separator: ", ")), got '\(method)'")
            }
            s.method = m
        }
        guard let initial = TSNESettings.Initialization(rawValue: initialization.lowercased()) else {
            throw ValidationError("--initialization must be pca or random, got '\(initialization)'")
        }
        s.initialization = initial
        return s
    }

    func run() throws {
        try kernel.apply()
        let settings = try settings()
        let (source, set) = try io.load(seed: seed)
        let method = settings.resolvedMethod(points: set.points.rows)
        print("t-SNE of \(set.points.rows) × \(set.points.columns) points from \(source): \(method), perplexity \(settings.perplexity), \(KernelRuntime.threads) threads")
        let progress = ProgressLine(enabled: isatty(STDOUT_FILENO) != 0)
        let result = try TSNE.run(set.points, settings: settings) { step in
            if let kl = step.kl { progress.finish(String(format: "  iteration %4d  KL %.4f", step.iteration, kl)) }
            else if step.iteration % 10 == 0 { progress.show("  iteration \(step.iteration)/\(step.iterations)") }
        }
        progress.finish("")
        let path = try io.withOutput(source) { file in
            try AnalysisStore.write(result, of: set, source: source.description, threads: KernelRuntime.threads,
                                    to: file, group: "/tsne/\(io.split)")
        }
        if result.uncalibratedPoints > 0 { print("note: \(result.uncalibratedPoints) points missed the perplexity tolerance") }
        print(String(format: "KL %.4f  kNN preservation (10) %.4f", result.kl, result.knnPreservation))
        print(String(format: "seconds: affinities %.2f  optimisation %.2f  metrics %.2f",
                     result.seconds.affinities, result.seconds.optimization, result.seconds.metrics))
        print("wrote \(path):/tsne/\(io.split)")
    }
}

/// A status line rewritten in place on a terminal; silent otherwise (permanent lines are always printed).
final class ProgressLine {
    let enabled: Bool
    private var shown = false
    init(enabled: Bool) { self.enabled = enabled }

    /// Replaces the status line (terminals only).
    func show(_ text: String) {
        guard enabled else { return }
        print("\r\u{1B}[K" + text, terminator: "")
        fflush(nil)
        shown = true
    }

    /// Clears the status line and prints `text` as a permanent line (nothing if empty).
    func finish(_ text: String) {
        if enabled && shown { print("\r\u{1B}[K", terminator: "") }
        shown = false
        if !text.isEmpty { print(text) }
        fflush(nil)
    }
}
