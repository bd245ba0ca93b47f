import AEData
import Foundation

/// Figures built from the arrays a run file holds (docs/hdf5-layout.md), for `ae plot …` and reports.
/// A missing array is a `PlotError` that names the file, the dataset path and the command that writes it.
public enum RunFigures {
    /// The 2-D embeddings that can be plotted.
    public enum EmbeddingKind: String, CaseIterable, Sendable {
        case pca, tsne
    }

    /// Training history: loss per epoch (train and, when present, validation; log scale) and, when the
    /// run has a validation split, validation PSNR (autoencoders) or accuracy (classifiers) per epoch in
    /// a second panel.
    public static func history(run path: String) throws -> any Figure {
        try RunFile.read(at: path) { file in
            let epochs = try requireDoubles(file, "/history/epoch", createdBy: "ae train")
            let train = try requireDoubles(file, "/history/train_loss", createdBy: "ae train")
            let name = runName(path)
            var losses = [try LineSeries(name: "train", x: epochs, y: train)]
            if let val = try optionalDoubles(file, "/history/val_loss"), val.contains(where: \.isFinite) {
                losses.append(try LineSeries(name: "validation", x: epochs, y: val, dashed: true))
            }
            let positive = losses.contains { $0.y.contains { $0 > 0 && $0.isFinite } }
            let lossChart = try LineChart(series: losses, title: "Loss", xLabel: "epoch", yLabel: "loss", logY: positive,
                                          integerX: true)
            let qualityColumns = [("/history/val_psnr", "Validation PSNR", "PSNR (dB)"),
                                  ("/history/val_accuracy", "Validation accuracy", "accuracy")]
            for (dataset, title, axis) in qualityColumns {
                guard let values = try optionalDoubles(file, dataset), values.contains(where: \.isFinite) else { continue }
                let chart = try LineChart(series: [try LineSeries(name: "", x: epochs, y: values, color: .category(2))],
                                          title: title, xLabel: "epoch", yLabel: axis, integerX: true)
                return try FigureRow(title: name, panels: [lossChart, chart])
            }
            return try FigureRow(title: name, panels: [lossChart])
        }
    }

    /// A scatter of the PCA projection (first two components, with their explained-variance ratios in the
    /// axis labels) or the t-SNE embedding of `split`, coloured by the split's class labels.
    public static func embedding(run path: String, kind: EmbeddingKind, split: String) throws -> ScatterPlot {
        try RunFile.read(at: path) { file in
            let group = "/\(kind.rawValue)/\(split)"
            let command = "ae \(kind.rawValue) \(path) --split \(split)"
            let points: (values: [Double], shape: [Int])
            let xLabel: String, yLabel: String
            switch kind {
            case .pca:
                points = try require(file, "\(group)/projection", createdBy: command)
                let ratios = try optionalDoubles(file, "\(group)/explained_variance_ratio") ?? []
                let axis = { (i: Int) in i < ratios.count ? String(format: "PC%d (%.1f%%)", i + 1, 100 * ratios[i]) : "PC\(i + 1)" }
                (xLabel, yLabel) = (axis(0), axis(1))
            case .tsne:
                points = try require(file, "\(group)/embedding", createdBy: command)
                (xLabel, yLabel) = ("t-SNE 1", "t-SNE 2")
            }
            guard points.shape.count == 2, points.shape[1] >= 2 else {
                throw PlotError("\(path): \(group) has shape \(points.shape), expected N×k with k ≥ 2")
            }
            let labels = try classLabels(file, group: group, split: split, count: points.shape[0])
            let title = "\(kind == .pca ? "PCA" : "t-SNE") of the \(split) latents — \(runName(path))"
            return try ScatterPlot(matrix: points.values, columns: points.shape[1], labels: labels,
                                   classNames: try classNames(file, covering: labels), title: title,
                                   xLabel: xLabel, yLabel: yLabel)
        }
    }

    /// The confusion-matrix heatmap of a classifier run on `split`.
    public static func confusion(run path: String, split: String) throws -> ConfusionMatrixPlot {
        try RunFile.read(at: path) { file in
            let dataset = "/metrics/\(split)/confusion"
            guard file.isDataset(dataset) else { throw missing(path, dataset, createdBy: evalCommand(run: path, metrics: split)) }
            let (counts, shape) = try file.readInt64s(dataset)
            guard shape.count == 2, shape[0] == shape[1] else {
                throw PlotError("\(path): \(dataset) has shape \(shape), expected K×K")
            }
            let names = try storedClassNames(file).flatMap { $0.count == shape[0] ? $0 : nil }
            return try ConfusionMatrixPlot(counts: counts, classNames: names,
                                           title: "Confusion matrix, \(split) — \(runName(path))")
        }
    }

    /// `RUN-<suffix>.png` next to the run file (`runs/a.h5` → `runs/a-history.png`).
    public static func defaultOutputPath(run path: String, suffix: String) -> String {
        let url = URL(fileURLWithPath: path)
        let stem = url.pathExtension.lowercased() == "h5" ? url.deletingPathExtension() : url
        let name = stem.lastPathComponent + "-" + suffix + ".png"
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? name : (dir as NSString).appendingPathComponent(name)
    }

    // MARK: reading

    private static func runName(_ path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    /// The `ae eval` call that writes `/metrics/<metrics>`: groups such as `test-gaussian0.3` come from
    /// evaluating split `test` with extra options.
    private static func evalCommand(run path: String, metrics: String) -> String {
        let split = metrics.split(separator: "-", maxSplits: 1).first.map(String.init) ?? metrics
        return "ae eval \(path) --split \(split)" + (split == metrics ? "" : " --dataset/--corrupt …")
    }

    private static func missing(_ path: String, _ dataset: String, createdBy command: String) -> PlotError {
        PlotError("\(path): no dataset \(dataset) — run `\(command)` first")
    }

    private static func require(_ file: H5File, _ dataset: String, createdBy command: String) throws -> (values: [Double], shape: [Int]) {
        guard file.isDataset(dataset) else { throw missing(file.path, dataset, createdBy: command) }
        return try file.readDoubles(dataset)
    }

    private static func requireDoubles(_ file: H5File, _ dataset: String, createdBy command: String) throws -> [Double] {
        try require(file, dataset, createdBy: command).values
    }

    private static func optionalDoubles(_ file: H5File, _ dataset: String) throws -> [Double]? {
        file.isDataset(dataset) ? try file.readDoubles(dataset).values : nil
    }

    /// Labels stored beside the embedding (when the analysis kept its own subset) or the split's latent
    /// labels; either way one per point.
    private static func classLabels(_ file: H5File, group: String, split: String, count: Int) throws -> [Int32] {
        let candidates = ["\(group)/labels", "/latents/\(split)/labels"]
        guard let dataset = candidates.first(where: file.isDataset) else {
            throw missing(file.path, candidates[1], createdBy: "ae encode \(file.path) --split \(split)")
        }
        let labels = try file.readInt32s(dataset).values
        guard labels.count == count else {
            throw PlotError("\(file.path): \(dataset) holds \(labels.count) labels but \(group) has \(count) points")
        }
        return labels
    }

    /// The root `class_names` attribute (a JSON array of strings), else the names of the run's known
    /// dataset (`dataset` attribute), else nil.
    static func storedClassNames(_ file: H5File) throws -> [String]? {
        if let json = try file.stringAttribute("class_names") {
            guard let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else {
                throw PlotError("\(file.path): root attribute class_names is not a JSON array of strings")
            }
            return names
        }
        guard let dataset = try file.stringAttribute("dataset"), let spec = try? DatasetSpec(parsing: dataset) else {
            return nil
        }
        return spec.classNames  // nil for a dataset given as a directory
    }

    /// Stored class names when they cover every label, else nil (the plot then numbers the classes).
    private static func classNames(_ file: H5File, covering labels: [Int32]) throws -> [String]? {
        guard let names = try storedClassNames(file) else { return nil }
        return Int(labels.max() ?? -1) < names.count ? names : nil
    }
}
