/// Everything needed to continue training exactly where an epoch ended.
public struct TrainerCheckpoint: Sendable {
    public var epoch: Int
    public var globalStep: UInt64
    public var optimizerStep: Int
    public var parameters: [String: [Float]]
    public var optimizerState: [String: [Float]]
    public var history: [EpochRecord]
    public var bestLoss: Double?
    public var bestEpoch: Int?
    public var bestParameters: [String: [Float]]
    public var epochsWithoutImprovement: Int
    public var recentLosses: [Double]
    public var stoppedEarly: Bool

    public init(epoch: Int, globalStep: UInt64, optimizerStep: Int, parameters: [String: [Float]],
                optimizerState: [String: [Float]], history: [EpochRecord], bestLoss: Double?, bestEpoch: Int?,
                bestParameters: [String: [Float]], epochsWithoutImprovement: Int, recentLosses: [Double],
                stoppedEarly: Bool) {
        self.epoch = epoch
        self.globalStep = globalStep
        self.optimizerStep = optimizerStep
        self.parameters = parameters
        self.optimizerState = optimizerState
        self.history = history
        self.bestLoss = bestLoss
        self.bestEpoch = bestEpoch
        self.bestParameters = bestParameters
        self.epochsWithoutImprovement = epochsWithoutImprovement
        self.recentLosses = recentLosses
        self.stoppedEarly = stoppedEarly
    }
}

/// Something whose parameters are saved and restored by qualified name: an autoencoder or classifier
/// (`Model`) or a GAN's two networks.
public protocol ParameterOwner: AnyObject {
    /// Trainable parameters (what the optimiser updates).
    var namedParameters: [(String, Parameter)] { get }
    /// Untrained state saved with them (batch norm's running statistics).
    var namedBuffers: [(String, Parameter)] { get }
    /// Names the owner in error messages ("model", "GAN").
    static var ownerName: String { get }
}

extension ParameterOwner {
    /// Everything a checkpoint or run file stores: the parameters, then the buffers.
    public var namedTensors: [(String, Parameter)] { namedParameters + namedBuffers }

    /// Current parameter and buffer values by qualified name.
    public var parameterValues: [String: [Float]] {
        Dictionary(uniqueKeysWithValues: namedTensors.map { ($0.0, $0.1.value.array) })
    }

    /// Loads parameter and buffer values by qualified name; every one must be present, finite and of its exact size.
    public func load(parameters values: [String: [Float]]) throws {
        for (name, p) in namedTensors {
            guard let v = values[name] else { throw NetworkError("parameter \(name) is missing") }
            guard v.count == p.count else { throw NetworkError("parameter \(name) has \(v.count) values, expected \(p.count) (shape \(p.shape))") }
            guard v.allSatisfy(\.isFinite) else { throw NetworkError("parameter \(name) contains NaN or infinity") }
            p.value.assign(v)
        }
    }
}

extension Model: ParameterOwner {
    public static var ownerName: String { "model" }
}

extension Trainer {
    /// The state at the end of the last completed epoch.
    public func checkpoint() -> TrainerCheckpoint {
        TrainerCheckpoint(epoch: epoch, globalStep: globalStep, optimizerStep: optimizer.step,
                          parameters: model.parameterValues, optimizerState: optimizer.state, history: history,
                          bestLoss: best?.loss, bestEpoch: best?.epoch, bestParameters: best?.parameters ?? [:],
                          epochsWithoutImprovement: epochsWithoutImprovement, recentLosses: recentLosses,
                          stoppedEarly: stoppedEarly)
    }

    /// Continues from `c` (written by a trainer with the same model and training configuration).
    public func restore(_ c: TrainerCheckpoint) throws {
        try model.load(parameters: c.parameters)
        try optimizer.restore(state: c.optimizerState, step: c.optimizerStep)
        epoch = c.epoch
        globalStep = c.globalStep
        history = c.history
        if let loss = c.bestLoss, let e = c.bestEpoch { best = (loss, e, c.bestParameters) } else { best = nil }
        epochsWithoutImprovement = c.epochsWithoutImprovement
        recentLosses = c.recentLosses
        stoppedEarly = c.stoppedEarly
    }
}

extension Evaluator {
    /// Latent codes (N × latent) of an autoencoder for every image of `set`.
    public func encode(_ set: ImageSet, batchSize: Int) -> [Float] {
        guard let encoder = model.encoder else { return [] }
        let d = set.dims.count, z = encoder.outputDims.count
        let input = Buffer(count: batchSize * d)
        var out = [Float](repeating: 0, count: set.count * z)
        for start in stride(from: 0, to: set.count, by: batchSize) {
            let indices = Array(start..<min(set.count, start + batchSize))
            set.gather(indices[...], into: input.pointer)
            let code = encoder.forward(input.tensor(batch: indices.count, dims: set.dims), context: PassContext(training: false))
            for i in 0..<code.count { out[start * z + i] = code.data[i] }
        }
        return out
    }
}
