import AEData
import AENet
import AERun
import ArgumentParser
import Foundation

/// Options shared by commands that reload a finished run.
struct RunOptions: ParsableArguments {
    @Argument(help: "Run file written by `ae train`.") var run: String
    @Option(help: "Directory holding the datasets and MANIFEST (default: ./data or AE_DATA_DIR).") var dataDir: String?
    @Option(help: "Split: train, val or test.") var split: String = "test"
    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        guard ["train", "val", "test"].contains(split) else { throw ValidationError("--split must be train, val or test, got '\(split)'") }
    }
}

/// `ae eval`: test metrics of a finished run, on its own dataset or another one, optionally corrupted.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a run: MSE/PSNR (mean ± std) or accuracy + confusion matrix, on any dataset of the same image size.")
    @OptionGroup var options: RunOptions
    @Option(help: "Evaluate on another dataset (cross-dataset), e.g. fashion-mnist.") var dataset: String?
    @Option(help: "Corrupt inputs (targets stay clean): gaussian:SIGMA, uniform:AMOUNT (mix), uniform-add:SCALE or occlusion:SIZE.") var corrupt: String?
    @Option(help: "Seed of the corruption.") var seed: UInt64 = 1
    @Option(help: "Classifiers: folder for the confusion-matrix and posterior CSV files (default: beside the run).") var csvDir: String?

    func validate() throws {
        if let c = corrupt { do { _ = try Corruption(parsing: c) } catch { throw ValidationError("--corrupt: \(error)") } }
    }

    func run() throws {
        try options.kernel.apply()
        let trained = try TrainedModel(path: options.run)
        let data = try trained.data(dataset: dataset, dataDir: options.dataDir)
        let set = try data.split(options.split)
        let corruption = try corrupt.map(Corruption.init(parsing:))
        let datasetName = dataset ?? trained.spec.dataset
        var name = options.split
        if let dataset { name += "-" + (try DatasetSpec(parsing: dataset).name) }
        if let c = corruption { name += "-" + c.description.replacingOccurrences(of: ":", with: "") }
        let r = try trained.evaluate(set, name: name, dataset: datasetName, corruption: corruption, seed: seed)
        if trained.spec.model.isAutoencoder {
            print(String(format: "%@ on %@ (%d images): MSE %.5f, PSNR %.2f ± %.2f dB", name as NSString, datasetName as NSString,
                         set.count, r.mseMean, r.psnrMean, r.psnrStd))
        } else {
            print(String(format: "%@ on %@ (%d images): accuracy %.2f%%, cross-entropy %.4f", name as NSString,
                         datasetName as NSString, set.count, 100 * r.accuracy, r.loss))
            let base = (csvDir.map { $0 + "/" + ((options.run as NSString).lastPathComponent as NSString).deletingPathExtension }
                        ?? (options.run as NSString).deletingPathExtension) + ".\(name)"
            try ClassifierCSV.write(r, labels: set.labels, classes: trained.spec.model.classes, base: base)
            print("confusion matrix: \(base).confusion.csv  posteriors: \(base).posteriors.csv")
        }
        print("stored under /metrics/\(name) in \(options.run)")
    }
}

/// `ae encode`: latent codes of a split into the run file.
struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write latent embeddings (with labels) of a split into the run file.")
    @OptionGroup var options: RunOptions

    func run() throws {
        try options.kernel.apply()
        let trained = try TrainedModel(path: options.run)
        let set = try trained.data(dataDir: options.dataDir).split(options.split)
        _ = try trained.encode(set, split: options.split)
        print("/latents/\(options.split)/z: \(set.count) × \(trained.spec.model.latent) float32 (+ labels, indices) in \(options.run)")
    }
}

/// `ae report`: the Markdown report of a run.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write the Markdown report of a run (history, metrics, figures).")
    @Argument(help: "Run file.") var runFile: String
    @Option(help: "Report path (default: the run's path with .md).") var out: String?

    func run() throws {
        print(try RunReport.write(runPath: runFile, to: out, figures: try ReportFigures.draw(runPath: runFile)))
    }
}

/// Confusion matrix and per-sample posteriors as CSV (classifiers).
enum ClassifierCSV {
    static func write(_ r: EvaluationResult, labels: [Int32], classes k: Int, base: String) throws {
        let m = r.confusionMatrix(labels: labels, classes: k)
        var confusion = "true\\predicted," + (0..<k).map(String.init).joined(separator: ",") + "\n"
        for (t, row) in m.enumerated() { confusion += "\(t)," + row.map(String.init).joined(separator: ",") + "\n" }
        var posteriors = "index,true,predicted," + (0..<k).map { "p_\($0)" }.joined(separator: ",") + "\n"
        for i in 0..<labels.count {
            let p = r.probabilities[(i * k)..<(i * k + k)].map { String(format: "%.6g", $0) }
            posteriors += "\(i),\(labels[i]),\(r.predictions[i])," + p.joined(separator: ",") + "\n"
        }
        for (suffix, text) in [("confusion", confusion), ("posteriors", posteriors)] {
            let path = "\(base).\(suffix).csv"
            try writeTextAtomically(text, to: path)
        }
    }
}
