import AEAnalysis
import ArgumentParser
import Foundation

/// `ae plot history|embedding|confusion RUN.h5`: PNG figures from the arrays a run file holds.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw PNG figures from a run file (training history, PCA / t-SNE embeddings, confusion matrix).",
        subcommands: [PlotHistory.self, PlotEmbedding.self, PlotConfusion.self]
    )
}

/// Options shared by every `ae plot` subcommand: the run, the output file and its size.
struct PlotOutputOptions: ParsableArguments {
    @Argument(help: "The run file (.h5).")
    var run: String

    @Option(name: .shortAndLong, help: "The PNG to write (default: next to the run, RUN-<figure>.png).")
    var out: String?

    @Option(help: "Figure width in pixels (default: the figure's own).")
    var width: Int?

    @Option(help: "Figure height in pixels (default: the figure's own).")
    var height: Int?

    func validate() throws {
        for (name, value) in [("--width", width), ("--height", height)] {
            if let v = value, !(1...PlotCanvas.maximumSide).contains(v) {
                throw ValidationError("\(name) must be between 1 and \(PlotCanvas.maximumSide), got \(v)")
            }
        }
    }

    /// Writes `figure` to `--out` (or the default path for `suffix`) and reports where.
    func write(_ figure: any Figure, suffix: String) throws {
        let path = out ?? RunFigures.defaultOutputPath(run: run, suffix: suffix)
        try figure.writePNG(to: path, width: width, height: height)
        print("wrote \(path)")
    }
}

struct PlotHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Loss per epoch (train, validation) and validation PSNR per epoch."
    )
    @OptionGroup var output: PlotOutputOptions

    func run() throws {
        try output.write(RunFigures.history(run: output.run), suffix: "history")
    }
}

extension RunFigures.EmbeddingKind: ExpressibleByArgument {}

struct PlotEmbedding: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedding",
        abstract: "Scatter of a split's PCA projection or t-SNE embedding, coloured by class."
    )
    @OptionGroup var output: PlotOutputOptions

    @Option(help: "Which embedding: pca or tsne.")
    var kind: RunFigures.EmbeddingKind = .pca

    @Option(help: "The split whose latents were embedded (train, val, test).")
    var split = "test"

    func run() throws {
        let figure = try RunFigures.embedding(run: output.run, kind: kind, split: split)
        try output.write(figure, suffix: "\(kind.rawValue)-\(split)")
    }
}

struct PlotConfusion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confusion",
        abstract: "Confusion-matrix heatmap of a classifier run."
    )
    @OptionGroup var output: PlotOutputOptions

    @Option(help: "The metrics group under /metrics: train, val, test, or e.g. test-gaussian0.3 for a corrupted evaluation.")
    var split = "test"

    func run() throws {
        try output.write(RunFigures.confusion(run: output.run, split: split), suffix: "confusion-\(split)")
    }
}
