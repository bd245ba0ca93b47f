import AEData
import AENet
import AERun
import Foundation

/// One configuration of a study: a training run stored as `runs/<id>.h5`, plus the evaluations the
/// study needs from it beyond the test metrics every run writes.
public struct StudyRun: Equatable, Sendable {
    /// Readable, deterministic, unique within the study (e.g. `cnn3-mnist-z30-lr1e-3-l1_0-do0`).
    public var id: String
    public var spec: RunSpec
    /// The hyper-parameters that vary, by column name, for tables.
    public var factors: [String: String]
    public var evaluations: [StudyEvaluation]
    /// Cross-validation folds train on a dataset file made from the base data (see `FoldSource`).
    public var fold: FoldSource?

    public init(id: String, spec: RunSpec, factors: [String: String], evaluations: [StudyEvaluation] = [],
                fold: FoldSource? = nil) {
        self.id = id
        self.spec = spec
        self.factors = factors
        self.evaluations = evaluations
        self.fold = fold
    }
}

/// Metrics stored under `/metrics/<name>`: a split of the run's own data or of another dataset,
/// optionally with corrupted inputs.
public struct StudyEvaluation: Equatable, Sendable {
    public var name: String
    /// `val` or `test`.
    public var split: String
    /// Another dataset with the run's subset settings (nil = the run's own).
    public var dataset: String?
    /// `Corruption(parsing:)` text, e.g. `gaussian:0.5`.
    public var corruption: String?

    public init(name: String, split: String = "test", dataset: String? = nil, corruption: String? = nil) {
        self.name = name
        self.split = split
        self.dataset = dataset
        self.corruption = corruption
    }
}

/// Summary attributes of one `/metrics/<name>` group.
public struct MetricSummary: Codable, Equatable, Sendable {
    public var loss: Double
    public var mseMean: Double
    public var psnrMean: Double
    public var psnrStd: Double
    public var accuracy: Double
}

/// What a run file holds, for tables.
public struct RunResult: Sendable {
    public var run: StudyRun
    /// `finished`, `stopped-early`, `running`, or `missing`.
    public var status: String
    public var epochs: Int
    public var metrics: [String: MetricSummary]

    public var isDone: Bool { status == "finished" || status == "stopped-early" }

    /// `metrics[name]` or all-NaN, so tables show a gap for a missing evaluation.
    public func metric(_ name: String) -> MetricSummary {
        metrics[name] ?? MetricSummary(loss: .nan, mseMean: .nan, psnrMean: .nan, psnrStd: .nan, accuracy: .nan)
    }
}

/// A study's folder: `study.json` (its specification), `runs/<id>.h5`, `folds/` (cross-validation data),
/// `logs/` (child processes), and the summary tables and figures; optionally with a ledger of finished
/// runs kept elsewhere (see `StudyLedger`).
public struct StudyFolder: Sendable {
    public let path: String
    public let dataDir: String?
    /// Runs recorded here count as finished; runs finishing in this folder are recorded.
    public let ledger: StudyLedger?

    public init(path: String, dataDir: String? = nil, ledger: StudyLedger? = nil) {
        self.path = path
        self.dataDir = dataDir
        self.ledger = ledger
    }

    public var specPath: String { "\(path)/study.json" }
    public func runPath(_ id: String) -> String { "\(path)/runs/\(id).h5" }
    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Where a run stands: nothing yet, interrupted, done, or made from another specification.
    public enum RunState: Equatable { case missing, running, done, stale }

    public func state(of run: StudyRun) -> RunState {
        let path = runPath(run.id)
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        guard let (status, stored) = try? RunFile.read(at: path, { f in
            (try f.stringAttribute("status"), try f.stringAttribute("run_spec"))
        }), let json = stored, let spec = try? decodeRunSpec(json) else { return .stale }
        guard sameSettings(planned: run.spec, stored: spec) else { return .stale }
        return status == "finished" || status == "stopped-early" ? .done : .running
    }

    /// The evaluations of `run` not yet in its file.
    public func missingEvaluations(of run: StudyRun) -> [StudyEvaluation] {
        let path = runPath(run.id)
        let present = (try? RunFile.read(at: path) { f in
            f.exists("/metrics") ? Set(try f.children(of: "/metrics")) : []
        }) ?? []
        return run.evaluations.filter { !present.contains($0.name) }
    }

    /// True when `run` needs training or evaluation.
    public func needsWork(_ run: StudyRun) -> Bool {
        state(of: run) != .done || !missingEvaluations(of: run).isEmpty
    }

    /// The runs of `runs` still to train or evaluate: neither in the ledger nor done in the folder. Runs
    /// done in the folder but missing from the ledger are recorded on the way.
    public func pending(_ runs: [StudyRun]) throws -> [StudyRun] {
        try runs.filter { run in
            guard let ledger else { return needsWork(run) }
            if try ledger.record(of: run) != nil { return false }
            if needsWork(run) { return true }
            try ledger.write(run, from: self)
            return false
        }
    }

    /// Status, epochs and every metric group of `run`: its ledger record, else its file (status `missing`
    /// when there is neither).
    public func result(of run: StudyRun) throws -> RunResult {
        if let record = try ledger?.record(of: run) { return record.result(for: run) }
        let path = runPath(run.id)
        guard FileManager.default.fileExists(atPath: path) else { return RunResult(run: run, status: "missing", epochs: 0, metrics: [:]) }
        return try RunFile.read(at: path) { f in
            RunResult(run: run, status: try f.stringAttribute("status") ?? "?",
                      epochs: Int(try f.intAttribute("epochs_done") ?? 0), metrics: try metricSummaries(in: f))
        }
    }

    public func results(of runs: [StudyRun]) throws -> [RunResult] { try runs.map(result(of:)) }
}

/// True when a run file made from `stored` is the planned run `planned`: `create` fills in the input dims
/// (and a classifier's class count) from the data, so those are not compared. A cross-validation fold is a
/// file in the study folder's `folds/`, named after everything its contents depend on
/// (`FoldSource.path`), so folds are compared by that name: a ledger record made in another study folder
/// (another session's `--out`) is the same run.
func sameSettings(planned: RunSpec, stored: RunSpec) -> Bool {
    var expected = planned
    expected.model.input = stored.model.input
    if !expected.model.isAutoencoder { expected.model.classes = stored.model.classes }
    if let plannedFold = FoldSource.foldName(expected.dataset), plannedFold == FoldSource.foldName(stored.dataset) {
        expected.dataset = stored.dataset
    }
    return expected == stored
}

/// The attributes of every `/metrics/<name>` group of a run file.
func metricSummaries(in f: H5File) throws -> [String: MetricSummary] {
    var metrics: [String: MetricSummary] = [:]
    for name in f.exists("/metrics") ? try f.children(of: "/metrics") : [] {
        let g = "/metrics/\(name)"
        func value(_ key: String) throws -> Double { try f.doubleAttribute(key, at: g) ?? .nan }
        metrics[name] = MetricSummary(loss: try value("loss"), mseMean: try value("mse_mean"), psnrMean: try value("psnr_mean"),
                                      psnrStd: try value("psnr_std"), accuracy: try value("accuracy"))
    }
    return metrics
}

/// Decodes the `run_spec` attribute (non-finite numbers are stored as strings).
func decodeRunSpec(_ json: String) throws -> RunSpec {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try decoder.decode(RunSpec.self, from: Data(json.utf8))
}

/// Fold `index` of a stratified `k`-fold split of the base data's training images, as a dataset file
/// whose train split is the fold's training part and whose test split is its held-out part. A fold run
/// is then an ordinary run (resumable, its dataset hashed) whose test metrics are the fold's validation.
public struct FoldSource: Equatable, Sendable {
    /// Dataset, `trainLimit` and seed of the data being folded.
    public var dataset: String
    public var trainLimit: Int?
    public var seed: UInt64
    public var k: Int
    public var index: Int
    /// The dataset file of this fold.
    public var path: String

    /// Writes the files of all `k` folds if this fold's file is missing.
    public func ensureFile(dataDir: String?) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        var base = RunSpec(model: ModelConfig(kind: .mlp), train: TrainConfig(), dataset: dataset, validationFraction: 0,
                           trainLimit: trainLimit, testLimit: 1)
        base.train.seed = seed
        let data = try RunData.load(base, dataDir: dataDir)
        let set = data.train, d = set.dims
        let pixels = Array(UnsafeBufferPointer(start: set.images.pointer, count: set.count * d.count))
        let images = LabeledImages(images: pixels, labels: set.labels, channels: d.c, height: d.h, width: d.w,
                                   classNames: data.classNames)
        for (i, fold) in Splits.kFold(labels: set.labels, k: k, seed: seed).enumerated() {
            let file = Self.path(folder: (path as NSString).deletingLastPathComponent, dataset: dataset, trainLimit: trainLimit,
                                 seed: seed, k: k, index: i)
            let foldData = Dataset(name: "\(datasetTag(dataset))-fold\(i + 1)of\(k)", train: images.subset(indices: fold.train),
                                   test: images.subset(indices: fold.validation), sha256: data.dataset.sha256)
            try foldData.writeHDF5(to: file, overwrite: true)
        }
    }

    /// `folds/<file>` when `dataset` is the path of a fold file in a study folder, else nil.
    static func foldName(_ dataset: String) -> String? {
        let parts = dataset.split(separator: "/")
        guard parts.count >= 2, parts[parts.count - 2] == "folds", dataset.hasSuffix(".h5") else { return nil }
        return "folds/" + parts[parts.count - 1]
    }

    /// `<folder>/<dataset>-n<limit>-s<seed>-k<k>-f<i+1>.h5`: everything the fold's contents depend on.
    static func path(folder: String, dataset: String, trainLimit: Int?, seed: UInt64, k: Int, index: Int) -> String {
        "\(folder)/\(datasetTag(dataset))-n\(trainLimit.map(String.init) ?? "all")-s\(seed)-k\(k)-f\(index + 1).h5"
    }
}
