import AEAnalysis
import AEData
import AENet
import AERun
import Foundation

/// Figures of GAN runs: the fixed-noise sample grid and the loss / D-output history.
enum GANFigures {
    /// `samples` (N × dims) as a grid of about √N columns.
    static func sampleGrid(_ samples: [Float], dims: Dims, title: String) throws -> ImageGrid {
        let n = samples.count / dims.count
        return try ImageGrid(images: samples, count: n, imageHeight: dims.h, imageWidth: dims.w,
                             columns: Int(Double(n).squareRoot().rounded(.up)), title: title)
    }

    /// D and G losses, and D(x) with D(G(z)), per epoch.
    static func history(_ h: [GANEpochRecord], name: String) throws -> any Figure {
        let x = h.map { Double($0.epoch) }
        let losses = try LineChart(series: [try LineSeries(name: "D loss", x: x, y: h.map(\.discriminatorLoss)),
                                            try LineSeries(name: "G loss", x: x, y: h.map(\.generatorLoss), dashed: true)],
                                   title: "Losses", xLabel: "epoch", yLabel: "loss", integerX: true)
        let scores = try LineChart(series: [try LineSeries(name: "D(x)", x: x, y: h.map(\.realScore)),
                                            try LineSeries(name: "D(G(z))", x: x, y: h.map(\.fakeScore), dashed: true)],
                                   title: "Discriminator outputs", xLabel: "epoch", yLabel: "mean D", integerX: true)
        return try FigureRow(title: name, panels: [losses, scores])
    }

    /// Draws the history and the last epoch's grid beside the run; returns (caption, relative path) pairs.
    static func draw(runPath: String) throws -> [(String, String)] {
        let history = try GANRun.history(at: runPath), last = try GANRun.lastSamples(at: runPath)
        var figures: [(String, String)] = []
        func save(_ figure: any Figure, _ suffix: String, _ caption: String) throws {
            let path = RunFigures.defaultOutputPath(run: runPath, suffix: suffix)
            try figure.writePNG(to: path)
            figures.append((caption, (path as NSString).lastPathComponent))
        }
        let name = URL(fileURLWithPath: runPath).deletingPathExtension().lastPathComponent
        if !history.isEmpty { try save(try Self.history(history, name: name), "history", "Training history") }
        if let last, last.dims.c == 1 {
            try save(try sampleGrid(last.images, dims: last.dims, title: "epoch \(last.epoch), fixed noise"),
                     "samples", "Fixed-noise samples after epoch \(last.epoch)")
        }
        return figures
    }

    /// Figures + the Markdown report beside the run; returns the report's path.
    static func writeReport(runPath: String, to out: String? = nil) throws -> String {
        try RunReport.write(runPath: runPath, to: out, figures: try draw(runPath: runPath))
    }
}
