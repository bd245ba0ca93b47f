import AEAnalysis
import AEData
import AENet
import AERun
import ArgumentParser
import Foundation

/// `ae recon RUN.h5`: the best and worst reconstructions of a split by per-image PSNR (or the first N
/// images) as an image grid, with the split's mean PSNR.
struct Recon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recon",
        abstract: "Image grid of the best and worst reconstructions of a split by PSNR (or of its first N images).",
        discussion: """
            Per-image PSNR comes from /metrics/<split>/psnr (written by `ae train` / `ae eval`) when it matches \
            the split and dataset, otherwise it is computed. Writes RUN-recon-<split>.png next to the run unless --out is given.
            """
    )
    @OptionGroup var output: PlotOutputOptions

    @Option(help: "Split: train, val or test.")
    var split = "test"

    @Option(help: "How many of the best reconstructions to show.")
    var best = 10

    @Option(help: "How many of the worst reconstructions to show.")
    var worst = 10

    @Option(help: "Instead of best/worst: originals vs reconstructions of the first N images of the split.")
    var first: Int?

    @Option(help: "Reconstruct another dataset of the same image size (cross-dataset), e.g. fashion-mnist.")
    var dataset: String?

    @Option(help: "Directory holding the datasets and MANIFEST (default: ./data or AE_DATA_DIR).")
    var dataDir: String?

    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        guard ["train", "val", "test"].contains(split) else { throw ValidationError("--split must be train, val or test, got '\(split)'") }
        if let first {
            guard first > 0 else { throw ValidationError("--first must be positive, got \(first)") }
        } else {
            guard best >= 0, worst >= 0 else { throw ValidationError("--best and --worst must not be negative, got \(best) and \(worst)") }
            guard best + worst > 0 else { throw ValidationError("--best and --worst are both 0: nothing to show") }
        }
    }

    func run() throws {
        try kernel.apply()
        let trained = try TrainedModel(path: output.run)
        guard trained.spec.model.isAutoencoder else {
            throw RunError("\(output.run) is a classifier; `ae recon` needs an autoencoder run")
        }
        let set = try trained.data(dataset: dataset, dataDir: dataDir).split(split)
        guard set.dims.c == 1 else { throw RunError("image grids show grayscale images; \(output.run) has \(set.dims) images") }
        // Named like `ae eval` names its metrics: "test", or "test-fashion-mnist" for another dataset.
        let metricsName = split + (try dataset.map { "-" + (try DatasetSpec(parsing: $0).name) } ?? "")
        let psnr = try ReconstructionPSNR(trained, set: set, metrics: metricsName, dataset: dataset ?? trained.spec.dataset)
        let name = dataset.map { "\(split) (\($0))" } ?? split
        let grid: ImageGrid
        let suffix: String
        if let first {
            guard first <= set.count else { throw RunError("--first \(first): the \(name) split has only \(set.count) images") }
            let indices = Array(0..<first)
            grid = try ImageGrid.comparison(originals: pixels(set, indices), reconstructions: try trained.reconstruct(set, indices: indices),
                                            count: first, imageHeight: set.dims.h, imageWidth: set.dims.w,
                                            psnr: indices.map { psnr.values[$0] },
                                            title: "First \(first) \(name) images and their reconstructions — \(runName)")
            suffix = "recon-first-\(metricsName)"
        } else {
            let ranked = psnr.ranked
            guard best + worst <= ranked.count else {
                throw RunError("--best \(best) --worst \(worst) needs \(best + worst) images with a PSNR; the \(name) split has \(ranked.count)")
            }
            let bands = [("best", Array(ranked.prefix(best))), ("worst", Array(ranked.suffix(worst)))].filter { !$0.1.isEmpty }
            let rows = try bands.flatMap { band, indices in try pairRows(band, indices: indices, trained: trained, set: set, psnr: psnr.values) }
            grid = try ImageGrid(rows: rows, imageHeight: set.dims.h, imageWidth: set.dims.w,
                                 title: "Best \(best) and worst \(worst) \(name) reconstructions by PSNR — \(runName)")
            suffix = "recon-\(metricsName)"
        }
        try output.write(grid, suffix: suffix)
        let summary = PSNRSummary(psnr.values)
        print(String(format: "mean PSNR %.2f ± %.2f dB over %d %@ images (%@)", summary.mean, summary.std, set.count, name as NSString,
                     psnr.source as NSString))
    }

    private var runName: String { URL(fileURLWithPath: output.run).deletingPathExtension().lastPathComponent }

    /// Pixels of the images at `indices` of `set`, in that order.
    private func pixels(_ set: ImageSet, _ indices: [Int]) -> [Float] {
        let buffer = Buffer(count: indices.count * set.dims.count)
        set.gather(indices[...], into: buffer.pointer)
        return buffer.array
    }

    /// Original/reconstruction row pairs (10 per band row) for the images at `indices`, the first row
    /// labelled with the band ("best: original").
    private func pairRows(_ band: String, indices: [Int], trained: TrainedModel, set: ImageSet, psnr: [Float]) throws -> [ImageGridRow] {
        let comparison = try ImageGrid.comparison(originals: pixels(set, indices),
                                                  reconstructions: try trained.reconstruct(set, indices: indices),
                                                  count: indices.count, imageHeight: set.dims.h, imageWidth: set.dims.w,
                                                  psnr: indices.map { psnr[$0] })
        return try comparison.rows.enumerated().map { i, row in
            i == 0 ? try ImageGridRow(label: "\(band): \(row.label)", pixels: row.pixels, count: row.count, captions: row.captions) : row
        }
    }
}

/// Per-image PSNR of a split: the stored `/metrics/<group>/psnr` when it belongs to this split (same image
/// count, same dataset, no corruption), else computed with the evaluator `ae eval` uses.
struct ReconstructionPSNR {
    /// One value per image of the split (NaN never expected, but tolerated by `ranked`).
    let values: [Float]
    /// Where the values came from, for the summary line: "stored /metrics/test/psnr" or "computed".
    let source: String

    /// `metrics` names the group under /metrics; `dataset` is the dataset `set` comes from.
    init(_ trained: TrainedModel, set: ImageSet, metrics: String, dataset datasetName: String) throws {
        let group = "/metrics/\(metrics)"
        let stored = try RunFile.read(at: trained.path) { f -> [Float]? in
            guard f.isDataset("\(group)/psnr"), try f.stringAttribute("dataset", at: group) == datasetName,
                  (try f.stringAttribute("corruption", at: group)) ?? "none" == "none" else { return nil }
            let values = try f.readFloats("\(group)/psnr").values
            return values.count == set.count ? values : nil
        }
        if let stored {
            (values, source) = (stored, "stored \(group)/psnr")
        } else {
            let result = Evaluator(model: trained.model, loss: trained.spec.train.loss).evaluate(set, batchSize: trained.batchSize)
            (values, source) = (result.psnr, "computed")
        }
    }

    /// Indices of the images with a PSNR, best first; ties broken by index so the choice is deterministic
    /// (the order `ImageGrid.bestAndWorst` uses).
    var ranked: [Int] {
        values.indices.filter { !values[$0].isNaN }.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
    }
}
