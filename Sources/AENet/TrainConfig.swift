/// Everything about how a model is trained (stored with the run, so a run can be resumed or repeated).
public struct TrainConfig: Codable, Equatable, Sendable {
    public enum LossKind: String, Codable, CaseIterable, Sendable { case mse, bce }

    public var epochs: Int = 10
    public var batchSize: Int = 128
    public var optimizer = OptimizerConfig()
    public var schedule: Schedule = .constant
    /// Reconstruction loss of autoencoders (classifiers always use softmax cross-entropy).
    public var loss: LossKind = .mse
    /// L1 penalty on the latent code: loss += l1 · mean over the batch of ‖z‖₁.
    public var l1: Float = 0
    /// Denoising: inputs get Gaussian noise of this std (clipped to [0, 1]); targets stay clean.
    public var noise: Float = 0
    /// Early stopping on validation loss: stop after this many epochs without an improvement > minDelta.
    public var patience: Int? = nil
    public var minDelta: Float = 0
    /// Early stopping on training iterations: stop when the mean loss of the last `window` iterations is
    /// not below the mean of the window before by more than `tolerance`.
    public var window: Int? = nil
    public var tolerance: Float = 1e-4
    public var seed: UInt64 = 1
    /// VAE: weight β of KL(q(z|x) ‖ N(0, I)) in the objective (1 = the ELBO).
    public var beta: Float = 1
    /// VAE: the KL weight rises linearly from 0 to β over this many epochs (β·min(1, epoch / klWarmup), epochs
    /// counted from 0); 0 = no warm-up.
    public var klWarmup: Int = 0
    /// Learning-rate warm-up: the first `warmupSteps` optimiser updates use lr·u/warmupSteps for update u = 1, 2, …
    /// (then the schedule's rate); 0 = none. Adam's first updates move every weight by about lr whatever its
    /// gradient, which can push a deep ReLU stack with a sigmoid output into saturation within a few steps (CNN5
    /// at seed 1: output pre-activations −11 ± 7 after 5 updates, every gradient vanishing for good).
    public var warmupSteps: Int = 0

    public init() {}

    /// The learning-rate factor of optimiser update number `update` (0-based): the warm-up ramp, then 1.
    public func warmupFactor(update: Int) -> Float {
        warmupSteps > 0 && update < warmupSteps ? Float(update + 1) / Float(warmupSteps) : 1
    }

    /// β for the epoch `epoch` (0-based), with the warm-up applied.
    public func klWeight(epoch: Int) -> Float {
        klWarmup > 0 ? beta * Float(min(1, Double(epoch) / Double(klWarmup))) : beta
    }

    private enum CodingKeys: String, CodingKey {
        case epochs, batchSize, optimizer, schedule, loss, l1, noise, patience, minDelta, window, tolerance, seed, beta, klWarmup
        case warmupSteps
    }

    /// Keys added after the first run-file version (beta, klWarmup, warmupSteps) are optional, so older run files still load.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        optimizer = try c.decode(OptimizerConfig.self, forKey: .optimizer)
        schedule = try c.decode(Schedule.self, forKey: .schedule)
        loss = try c.decode(LossKind.self, forKey: .loss)
        l1 = try c.decode(Float.self, forKey: .l1)
        noise = try c.decode(Float.self, forKey: .noise)
        patience = try c.decodeIfPresent(Int.self, forKey: .patience)
        minDelta = try c.decode(Float.self, forKey: .minDelta)
        window = try c.decodeIfPresent(Int.self, forKey: .window)
        tolerance = try c.decode(Float.self, forKey: .tolerance)
        seed = try c.decode(UInt64.self, forKey: .seed)
        beta = try c.decodeIfPresent(Float.self, forKey: .beta) ?? 1
        klWarmup = try c.decodeIfPresent(Int.self, forKey: .klWarmup) ?? 0
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? 0
    }

    /// warmupSteps is written only when set, so files of runs without it stay readable by an ae that predates it.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(loss, forKey: .loss)
        try c.encode(l1, forKey: .l1)
        try c.encode(noise, forKey: .noise)
        try c.encodeIfPresent(patience, forKey: .patience)
        try c.encode(minDelta, forKey: .minDelta)
        try c.encodeIfPresent(window, forKey: .window)
        try c.encode(tolerance, forKey: .tolerance)
        try c.encode(seed, forKey: .seed)
        try c.encode(beta, forKey: .beta)
        try c.encode(klWarmup, forKey: .klWarmup)
        if warmupSteps != 0 { try c.encode(warmupSteps, forKey: .warmupSteps) }
    }

    /// Checks ranges; the message names the offending option.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw NetworkError(message) } }
        try check(epochs >= 1 && epochs <= 100_000, "epochs must be in 1...100000, got \(epochs)")
        try check(batchSize >= 1 && batchSize <= 1_000_000, "batch size must be in 1...1000000, got \(batchSize)")
        let lr = optimizer.learningRate
        try check(lr.isFinite && lr > 0 && lr <= 10, "learning rate must be in (0, 10], got \(lr)")
        try check(optimizer.momentum >= 0 && optimizer.momentum < 1, "momentum must be in [0, 1), got \(optimizer.momentum)")
        try check(optimizer.weightDecay.isFinite && optimizer.weightDecay >= 0, "weight decay must be >= 0, got \(optimizer.weightDecay)")
        try check(l1.isFinite && l1 >= 0, "l1 must be >= 0, got \(l1)")
        try check(noise.isFinite && noise >= 0 && noise <= 10, "noise must be in [0, 10], got \(noise)")
        try check((patience ?? 1) >= 1, "patience must be >= 1")
        try check((window ?? 1) >= 1, "window must be >= 1")
        try check(minDelta >= 0 && tolerance >= 0, "min-delta and tolerance must be >= 0")
        try check(beta.isFinite && beta >= 0, "beta must be >= 0, got \(beta)")
        try check(klWarmup >= 0 && klWarmup <= 100_000, "kl-warmup must be in 0...100000, got \(klWarmup)")
        try check(warmupSteps >= 0 && warmupSteps <= 10_000_000, "warmup-steps must be in 0...10000000, got \(warmupSteps)")
    }
}

/// One epoch of the training history.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var valLoss: Double
    /// Mean validation PSNR in dB (autoencoders) — NaN for classifiers.
    public var valPSNR: Double
    /// Validation accuracy (classifiers) — NaN for autoencoders.
    public var valAccuracy: Double
    public var learningRate: Double
    public var seconds: Double
    public var imagesPerSecond: Double

    public init(epoch: Int, trainLoss: Double, valLoss: Double, valPSNR: Double, valAccuracy: Double,
                learningRate: Double, seconds: Double, imagesPerSecond: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.valLoss = valLoss
        self.valPSNR = valPSNR
        self.valAccuracy = valAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
    }
}

extension EpochRecord {
    /// Whether training has stopped moving: the monitored loss (validation, else training) of the last three
    /// epochs is the same to 1e-7 relative. A network whose output sigmoid saturated or whose units all died
    /// has every gradient at zero and repeats its validation loss bit for bit; a slow but live one still moves
    /// it by ~1e-4 relative per epoch.
    public static func isStalled(_ history: [EpochRecord]) -> Bool {
        guard history.count >= 3 else { return false }
        let losses = history.suffix(3).map { $0.valLoss.isNaN ? $0.trainLoss : $0.valLoss }
        return zip(losses, losses.dropFirst()).allSatisfy { abs($0 - $1) <= 1e-7 * abs($0) }
    }
}

/// Progress within an epoch, for progress bars.
public struct StepProgress: Sendable {
    public var epoch: Int, epochs: Int
    public var step: Int, steps: Int
    public var loss: Double
    public var imagesPerSecond: Double
    public var secondsInEpoch: Double
}
