/// Everything needed to continue GAN training exactly where an epoch ended: both networks, both Adam states and
/// the step counters that index the noise streams.
public struct GANCheckpoint: Sendable {
    public var epoch: Int
    public var discriminatorStep: UInt64
    public var generatorStep: UInt64
    /// Parameters of both networks by qualified name ("generator.0.weight", "discriminator.3.bias").
    public var parameters: [String: [Float]]
    /// Adam moments of both optimisers ("<parameter>.m", "<parameter>.v"; the names are disjoint).
    public var optimizerState: [String: [Float]]
    public var discriminatorOptimizerStep: Int
    public var generatorOptimizerStep: Int
    public var history: [GANEpochRecord]
    /// The averaged generator's parameters and re-estimated running statistics, named like G's; nil without EMA.
    public var average: [String: [Float]]?

    public init(epoch: Int, discriminatorStep: UInt64, generatorStep: UInt64, parameters: [String: [Float]],
                optimizerState: [String: [Float]], discriminatorOptimizerStep: Int, generatorOptimizerStep: Int,
                history: [GANEpochRecord], average: [String: [Float]]? = nil) {
        self.epoch = epoch
        self.discriminatorStep = discriminatorStep
        self.generatorStep = generatorStep
        self.parameters = parameters
        self.optimizerState = optimizerState
        self.discriminatorOptimizerStep = discriminatorOptimizerStep
        self.generatorOptimizerStep = generatorOptimizerStep
        self.history = history
        self.average = average
    }
}

extension GAN: ParameterOwner {
    public static var ownerName: String { "GAN" }
}

extension GANTrainer {
    /// The state at the end of the last completed epoch.
    public func checkpoint() -> GANCheckpoint {
        GANCheckpoint(epoch: epoch, discriminatorStep: discriminatorStep, generatorStep: generatorStep,
                      parameters: gan.parameterValues,
                      optimizerState: discriminatorOptimizer.state.merging(generatorOptimizer.state) { a, _ in a },
                      discriminatorOptimizerStep: discriminatorOptimizer.step, generatorOptimizerStep: generatorOptimizer.step,
                      history: history, average: average?.generator.parameterValues)
    }

    /// Continues from `c` (written by a trainer with the same configuration).
    public func restore(_ c: GANCheckpoint) throws {
        try gan.load(parameters: c.parameters)
        try discriminatorOptimizer.restore(state: c.optimizerState, step: c.discriminatorOptimizerStep)
        try generatorOptimizer.restore(state: c.optimizerState, step: c.generatorOptimizerStep)
        if let average {
            guard let values = c.average else { throw NetworkError("the checkpoint has no EMA generator, the configuration has one") }
            try average.generator.load(parameters: values)
        }
        epoch = c.epoch
        discriminatorStep = c.discriminatorStep
        generatorStep = c.generatorStep
        history = c.history
    }
}
