import AEData
import AENet
import Foundation

/// Everything that defines a training run: which data, which model, how it is trained. Stored as JSON
/// attributes in the run file, so `ae train --resume` and `ae eval` rebuild exactly the same model.
public struct RunSpec: Codable, Equatable, Sendable {
    public var model: ModelConfig
    public var train: TrainConfig
    /// `mnist`, `fashion-mnist`, `kmnist`, `k49` or a directory (see `DatasetSpec`).
    public var dataset: String
    /// Fraction of the training images held out (stratified, seeded) for validation and early stopping.
    public var validationFraction: Double
    /// Use a stratified subset of this many training images (nil = all).
    public var trainLimit: Int?
    /// Use a stratified subset of this many test images (nil = all).
    public var testLimit: Int?

    public init(model: ModelConfig, train: TrainConfig, dataset: String, validationFraction: Double = 0.1,
                trainLimit: Int? = nil, testLimit: Int? = nil) {
        self.model = model
        self.train = train
        self.dataset = dataset
        self.validationFraction = validationFraction
        self.trainLimit = trainLimit
        self.testLimit = testLimit
    }

    /// Checks ranges; messages name the offending option.
    public func validate() throws {
        try train.validate()
        guard validationFraction >= 0 && validationFraction < 1 else {
            throw RunError("validation fraction must be in [0, 1), got \(validationFraction)")
        }
        if let n = trainLimit, n < 1 { throw RunError("train limit must be >= 1, got \(n)") }
        if let n = testLimit, n < 1 { throw RunError("test limit must be >= 1, got \(n)") }
        _ = try DatasetSpec(parsing: dataset)
    }

    func json() throws -> String { try jsonString(self) }

    static func parse(json: String, file: String) throws -> RunSpec {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let spec: RunSpec
        do { spec = try decoder.decode(RunSpec.self, from: Data(json.utf8)) } catch {
            throw RunError("\(file): the run specification (attribute run_spec) is unreadable: \(error)")
        }
        try requireKnownSettings(json, decoded: spec, attribute: "run_spec", file: file)
        return spec
    }
}

/// A failure of a run-level operation, with a one-line message for the command line.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Version written into every run file.
public let aeVersion = "0.3.0"
