import AEData
import AENet
import AERun
import Foundation

/// The five studies of issue 7, one `ae study <kind>` command each.
public enum StudyKind: String, Codable, CaseIterable, Sendable {
    case grid, cv, cross, robustness, classifier
}

/// Settings every study shares: how long each run trains, on how much data, from which seed.
public struct StudyBudget: Codable, Equatable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    /// Stratified subset sizes (nil = the whole split).
    public var trainLimit: Int?
    public var testLimit: Int?
    /// Fraction of the training images held out for validation (model selection, early stopping).
    public var validationFraction: Double
    public var seed: UInt64
    /// Learning-rate warm-up of every run, in optimiser updates (`TrainConfig.warmupSteps`; nil = each model's
    /// default, `ModelConfig.Kind.defaultWarmupSteps`: 100 for cnn5, none for the others).
    public var warmupSteps: Int?

    public init(epochs: Int, batchSize: Int = 128, trainLimit: Int? = nil, testLimit: Int? = nil,
                validationFraction: Double = 0.1, seed: UInt64 = 1, warmupSteps: Int? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.trainLimit = trainLimit
        self.testLimit = testLimit
        self.validationFraction = validationFraction
        self.seed = seed
        self.warmupSteps = warmupSteps
    }

    /// The quick preset's budget: a couple of epochs on small subsets, minutes for a whole study. Small
    /// batches, so the models take enough steps to get past reconstructing the mean image.
    public static let quick = StudyBudget(epochs: 2, batchSize: 32, trainLimit: 1000, testLimit: 300)

    /// A training configuration of a `model` run with this budget and Adam at `learningRate`.
    func trainConfig(_ model: ModelConfig.Kind, learningRate: Float, optimizer: OptimizerConfig.Kind = .adam,
                     weightDecay: Float = 0) -> TrainConfig {
        var t = TrainConfig()
        t.epochs = epochs
        t.batchSize = batchSize
        t.optimizer = OptimizerConfig(kind: optimizer, learningRate: learningRate, weightDecay: weightDecay)
        t.seed = seed
        t.warmupSteps = warmupSteps ?? model.defaultWarmupSteps
        return t
    }

    /// A run specification with this budget's data settings.
    func runSpec(_ model: ModelConfig, _ train: TrainConfig, dataset: String) -> RunSpec {
        RunSpec(model: model, train: train, dataset: dataset, validationFraction: validationFraction,
                trainLimit: trainLimit, testLimit: testLimit)
    }
}

/// What a study is: a Codable specification (defaults = the full study, `quick` = a tiny one) that
/// expands into training runs, stage by stage, and summarises their files into tables and figures.
public protocol StudyDefinition: Codable, Equatable, Sendable {
    static var kind: StudyKind { get }
    /// The study as the issue defines it.
    static var full: Self { get }
    /// A tiny version (1–2 epochs, ~1000 training images, few configurations) for tests and smoke runs.
    static var quick: Self { get }
    var budget: StudyBudget { get }
    /// The runs of stage `stage` (0, 1, …), nil when there are no more stages. Later stages may read the
    /// results of earlier ones from `folder` (cross-validation refits its best cell).
    func runs(stage: Int, in folder: StudyFolder) throws -> [StudyRun]?
    /// Tables and figures from the finished runs of every stage; figures are written into `folder`.
    func summarize(_ folder: StudyFolder, runs: [StudyRun]) throws -> StudyReport
}

extension StudyDefinition {
    /// `base` (a preset) with the keys of the JSON object `json` laid over it, recursively: a spec file
    /// names only what it changes. Keys the specification does not have are an error (typos would
    /// otherwise be ignored silently).
    public static func parse(json: Data, over base: Self, file: String) throws -> Self {
        func fail(_ message: String) -> StudyError { StudyError("\(file): \(message)") }
        guard let overlay = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw fail("expected a JSON object")
        }
        let defaults = try JSONSerialization.jsonObject(with: try studyJSON(base)) as! [String: Any]
        let merged = mergeJSON(defaults, overlay)
        let spec: Self
        do {
            spec = try JSONDecoder().decode(Self.self, from: try JSONSerialization.data(withJSONObject: merged))
        } catch { throw fail("not a valid \(kind.rawValue) study specification: \(error)") }
        let known = try JSONSerialization.jsonObject(with: try studyJSON(spec)) as! [String: Any]
        if let unknown = unknownKeys(overlay, known: known).first {
            throw fail("unknown key '\(unknown)' for a \(kind.rawValue) study")
        }
        return spec
    }
}

/// `overlay` laid over `base`; nested objects merge key by key, everything else replaces.
func mergeJSON(_ base: [String: Any], _ overlay: [String: Any]) -> [String: Any] {
    var out = base
    for (key, value) in overlay {
        if let inner = value as? [String: Any], let old = base[key] as? [String: Any] {
            out[key] = mergeJSON(old, inner)
        } else {
            out[key] = value
        }
    }
    return out
}

/// Key paths of `overlay` that do not survive a decode/encode round trip (null values excepted).
func unknownKeys(_ overlay: [String: Any], known: [String: Any], prefix: String = "") -> [String] {
    overlay.keys.sorted().flatMap { key -> [String] in
        let path = prefix.isEmpty ? key : "\(prefix).\(key)"
        guard let k = known[key] else { return overlay[key] is NSNull ? [] : [path] }
        if let inner = overlay[key] as? [String: Any], let knownInner = k as? [String: Any] {
            return unknownKeys(inner, known: knownInner, prefix: path)
        }
        return []
    }
}

/// Deterministic JSON (sorted keys) of a specification.
func studyJSON<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
    return try encoder.encode(value)
}

/// A failure of a study, with a one-line message for the command line.
public struct StudyError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Short, file-name-safe forms of hyper-parameters for run ids: 0.01 → `1e-2`, 0.001 → `1e-3`, 0.3 → `0.3`,
/// 0 → `0` (values below 0.02 in exponent form, as learning rates and penalties are usually written).
public func compactNumber(_ value: Float) -> String {
    let x = Double(value)
    if x == 0 { return "0" }
    if abs(x) >= 0.0199 && abs(x) < 1e4 { return String(format: "%g", x) }
    // "%.2e" rounds to 3 significant digits first: 1e-4 stored as 9.99999e-5 still prints as 1.00e-04.
    let parts = String(format: "%.2e", x).split(separator: "e")
    var mantissa = String(parts[0])
    while mantissa.contains("."), mantissa.hasSuffix("0") || mantissa.hasSuffix(".") { mantissa.removeLast() }
    let exponent = Int(parts[1])!
    return "\(mantissa)e\(exponent)"
}

/// `fashion-mnist` → `fashion`, a file `dir/tiny.h5` → `tiny`, other names as `DatasetSpec` gives them; for run ids.
func datasetTag(_ dataset: String) -> String {
    let name = (((try? DatasetSpec(parsing: dataset).name) ?? dataset) as NSString).deletingPathExtension
    return name == "fashion-mnist" ? "fashion" : name
}
