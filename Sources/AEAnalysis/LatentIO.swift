import AEData
import Foundation

/// Points to analyse, with their class labels when the source has them.
public struct LatentSet: Sendable {
    public let points: PointMatrix
    public let labels: [Int32]?
    /// Row of each point in the source (set when a subsample was taken).
    public let sourceRows: [Int]?

    public init(points: PointMatrix, labels: [Int32]? = nil, sourceRows: [Int]? = nil) {
        precondition(labels.map { $0.count == points.rows } ?? true, "one label per point")
        self.points = points
        self.labels = labels
        self.sourceRows = sourceRows
    }

    /// At most `maxPoints` rows, drawn uniformly without replacement from `seed`, in source order.
    public func subsample(maxPoints: Int?, seed: UInt64) -> LatentSet {
        guard let maxPoints, maxPoints < points.rows else { return self }
        var g = SplitMix64(seed: seed)
        var rows = Array(0..<points.rows)
        for i in 0..<maxPoints { rows.swapAt(i, i + Int(g.next() % UInt64(points.rows - i))) }
        let kept = rows.prefix(maxPoints).sorted()
        return LatentSet(points: points.selecting(rows: kept), labels: labels.map { l in kept.map { l[$0] } },
                         sourceRows: kept.map { sourceRows?[$0] ?? $0 })
    }
}

/// Where the points of `ae pca` / `ae tsne` come from, as written on the command line:
/// `RUN.h5` (a run file: `/latents/<split>/z` and `/labels`), `FILE.h5:/some/dataset` (any 2-D numeric
/// HDF5 dataset) or `FILE.npy` (a 2-D .npy array).
public enum LatentSource: Equatable, Sendable, CustomStringConvertible {
    case runFile(path: String, split: String)
    case hdf5Dataset(path: String, dataset: String)
    case npy(path: String)

    public static func parse(_ input: String, split: String) throws -> LatentSource {
        if let colon = input.range(of: ":/", options: .backwards) {
            return .hdf5Dataset(path: String(input[..<colon.lowerBound]), dataset: String(input[input.index(after: colon.lowerBound)...]))
        }
        if input.lowercased().hasSuffix(".npy") { return .npy(path: input) }
        guard split.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), !split.isEmpty else {
            throw AnalysisError("split must be a plain name such as test, got '\(split)'")
        }
        return .runFile(path: input, split: split)
    }

    /// The file results go to by default: the run file itself, else nil (an --out file is needed).
    public var runFilePath: String? {
        if case .runFile(let path, _) = self { return path }
        return nil
    }

    public var description: String {
        switch self {
        case .runFile(let path, let split): "\(path) (latents/\(split))"
        case .hdf5Dataset(let path, let dataset): "\(path):\(dataset)"
        case .npy(let path): path
        }
    }

    /// Reads the points (any numeric type, converted to float32) and labels.
    public func load() throws -> LatentSet {
        switch self {
        case .npy(let path):
            let array = try NPY.read(path: path)
            return LatentSet(points: try Self.matrix(array.floats, shape: array.shape, name: path))
        case .hdf5Dataset(let path, let dataset):
            return try RunFile.read(at: path) { file in
                guard file.isDataset(dataset) else { throw AnalysisError("\(path): no dataset \(dataset)") }
                let (values, shape) = try file.readFloats(dataset)
                return LatentSet(points: try Self.matrix(values, shape: shape, name: "\(path):\(dataset)"))
            }
        case .runFile(let path, let split):
            return try RunFile.read(at: path) { file in
                let z = "/latents/\(split)/z", labels = "/latents/\(split)/labels"
                guard file.isDataset(z) else {
                    let splits = (try? file.children(of: "/latents")) ?? []
                    throw AnalysisError("\(path): no \(z)" + (splits.isEmpty ? " (run `ae encode` first, or give FILE.h5:/dataset)"
                                                              : " (splits here: \(splits.joined(separator: ", ")))"))
                }
                let (values, shape) = try file.readFloats(z)
                let points = try Self.matrix(values, shape: shape, name: "\(path):\(z)")
                var classes: [Int32]? = nil
                if file.isDataset(labels) {
                    let read = try file.readInt32s(labels).values
                    guard read.count == points.rows else { throw AnalysisError("\(path): \(labels) has \(read.count) labels for \(points.rows) codes") }
                    classes = read
                }
                return LatentSet(points: points, labels: classes)
            }
        }
    }

    /// A 2-D array as a point matrix (a 1-D array is n points of dimension 1).
    static func matrix(_ values: [Float], shape: [Int], name: String) throws -> PointMatrix {
        guard shape.count == 1 || shape.count == 2 else {
            throw AnalysisError("\(name): expected a 2-D array (points × dimensions), got shape \(shape)")
        }
        do {
            return try PointMatrix(rows: shape[0], columns: shape.count == 2 ? shape[1] : 1, values: values)
        } catch let error as AnalysisError {
            throw AnalysisError("\(name): \(error)")
        }
    }
}

/// Writes analysis results into an HDF5 file (layout in docs/hdf5-layout.md).
public enum AnalysisStore {
    /// Replaces `group` (e.g. `/pca/test`) with the PCA: `components` (k×d float32), `explained_variance`,
    /// `explained_variance_ratio`, `mean` (float64), `projection` (n×k float32), `labels` / `source_rows`
    /// when known; attributes `source`, `n_components`, `n_points`.
    public static func write(_ pca: PCAResult, of set: LatentSet, source: String, to file: H5File, group: String) throws {
        try file.delete(group)
        let k = pca.componentCount
        try file.write("\(group)/components", floats: pca.components, shape: [k, pca.dimension])
        try file.write("\(group)/explained_variance", doubles: pca.explainedVariance, shape: [k])
        try file.write("\(group)/explained_variance_ratio", doubles: pca.explainedVarianceRatio, shape: [k])
        try file.write("\(group)/mean", doubles: pca.mean, shape: [pca.dimension])
        try file.write("\(group)/projection", floats: pca.projection.values, shape: [pca.projection.rows, k], compress: true)
        try writeRows(of: set, to: file, group: group)
        try file.setAttribute("source", string: source, at: group)
        try file.setAttribute("n_components", int: Int64(k), at: group)
        try file.setAttribute("n_points", int: Int64(set.points.rows), at: group)
    }

    /// Replaces `group` (e.g. `/tsne/test`) with the t-SNE: `embedding` (n×2 float32), `kl_history`
    /// (m×2 float64: iteration, KL), `labels` / `source_rows` when known; attributes with every setting,
    /// `kl`, `knn_preservation`, `method`, `threads`, `seconds`, `source`.
    public static func write(_ tsne: TSNEResult, of set: LatentSet, source: String, threads: Int,
                             to file: H5File, group: String) throws {
        try file.delete(group)
        let n = tsne.embedding.count / 2
        try file.write("\(group)/embedding", floats: tsne.embedding.map { Float($0) }, shape: [n, 2], compress: true)
        try file.write("\(group)/kl_history", doubles: tsne.klHistory.flatMap { [Double($0.iteration), $0.kl] },
                       shape: [tsne.klHistory.count, 2])
        try writeRows(of: set, to: file, group: group)
        let s = tsne.settings
        let numbers: [(String, Double)] = [
            ("perplexity", s.perplexity), ("exaggeration", s.exaggeration), ("theta", s.theta),
            ("initial_momentum", s.initialMomentum), ("final_momentum", s.finalMomentum), ("min_gain", s.minGain),
            ("kl", tsne.kl), ("knn_preservation", tsne.knnPreservation),
            ("seconds", tsne.seconds.affinities + tsne.seconds.optimization + tsne.seconds.metrics),
        ]
        for (name, value) in numbers { try file.setAttribute(name, double: value, at: group) }
        let integers: [(String, Int)] = [
            ("iterations", s.iterations), ("exaggeration_iterations", s.exaggerationIterations),
            ("seed", Int(truncatingIfNeeded: s.seed)), ("threads", threads), ("n_points", n),
            ("uncalibrated_points", tsne.uncalibratedPoints),
        ]
        for (name, value) in integers { try file.setAttribute(name, int: Int64(value), at: group) }
        try file.setAttribute("learning_rate", string: s.learningRate.map { "\($0)" } ?? "auto", at: group)
        try file.setAttribute("method", string: tsne.method.rawValue, at: group)
        try file.setAttribute("initialization", string: s.initialization.rawValue, at: group)
        try file.setAttribute("source", string: source, at: group)
    }

    private static func writeRows(of set: LatentSet, to file: H5File, group: String) throws {
        if let labels = set.labels { try file.write("\(group)/labels", int32s: labels, shape: [labels.count]) }
        if let rows = set.sourceRows { try file.write("\(group)/source_rows", int64s: rows.map { Int64($0) }, shape: [rows.count]) }
    }
}
