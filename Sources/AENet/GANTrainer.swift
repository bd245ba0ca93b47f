import CKernels
import Foundation

/// One epoch of GAN training: mean losses and mean discriminator outputs over the epoch's steps.
public struct GANEpochRecord: Equatable, Sendable {
    public var epoch: Int
    /// Discriminator loss −log D(x) − log(1 − D(G(z))) (hinge: max(0, 1 − l(x)) + max(0, 1 + l(G(z))) on D's logits l),
    /// mean over the discriminator steps.
    public var discriminatorLoss: Double
    /// Non-saturating generator loss −log D(G(z)) (hinge: −l(G(z))), mean over the generator steps.
    public var generatorLoss: Double
    /// Mean D(x) = σ(logit) on real images and D(G(z)) on fakes, at the discriminator steps (under the hinge
    /// objective σ of a logit is no probability D was trained for, but still orders real above fake).
    public var realScore: Double
    public var fakeScore: Double
    public var seconds: Double
    /// Real images seen by the discriminator per second of the epoch.
    public var imagesPerSecond: Double

    public init(epoch: Int, discriminatorLoss: Double, generatorLoss: Double, realScore: Double, fakeScore: Double,
                seconds: Double, imagesPerSecond: Double) {
        self.epoch = epoch
        self.discriminatorLoss = discriminatorLoss
        self.generatorLoss = generatorLoss
        self.realScore = realScore
        self.fakeScore = fakeScore
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
    }
}

/// Alternating GAN training with preallocated buffers: k discriminator steps (a real and a fake half in one
/// batch) per generator step, each followed by an Adam update of that network only. Shuffles and noise come
/// from the counter-based RNG at (seed, epoch / step), so a run is reproducible for a seed and thread count.
public final class GANTrainer {
    public let gan: GAN
    public let config: GANConfig
    public let train: ImageSet
    public let discriminatorOptimizer: Optimizer
    public let generatorOptimizer: Optimizer
    /// The moving average of G's weights (`config.ema`), updated after every generator step; nil without EMA.
    public let average: GeneratorAverage?
    public internal(set) var epoch = 0
    /// Discriminator and generator steps taken (they index the noise streams).
    public internal(set) var discriminatorStep: UInt64 = 0
    public internal(set) var generatorStep: UInt64 = 0
    public internal(set) var history: [GANEpochRecord] = []

    private let batch: Int
    /// D's input (2·batch images: real, then fake), its targets (1 then 0), the loss gradient, G's noise.
    private let pair: Buffer, targets: Buffer, ones: Buffer, lossGrad: Buffer, noise: Buffer
    /// D's parameters, listed once: the generator step turns their gradients off and on without allocating.
    private let discriminatorParameters: [Parameter]

    public init(gan: GAN, train: ImageSet) throws {
        guard train.count > 0 else { throw NetworkError("the training set is empty") }
        guard train.dims == gan.config.image else { throw NetworkError("data is \(train.dims), the GAN makes \(gan.config.image)") }
        self.gan = gan
        config = gan.config
        self.train = train
        batch = min(config.batchSize, train.count)
        try gan.prepare(batch: batch)
        gan.initialize(seed: config.seed)
        discriminatorOptimizer = Optimizer(config.optimizer, parameters: gan.discriminator.namedParameters)
        generatorOptimizer = Optimizer(config.optimizer, parameters: gan.generator.namedParameters)
        let b = batch
        average = try gan.config.ema.map { try GeneratorAverage(of: gan, decay: $0, batch: b) }
        let n = config.image.count
        pair = Buffer(count: 2 * batch * n)
        // bce: the real label and 0; hinge: the signs +1 and −1.
        targets = Buffer([Float](repeating: config.realLabel, count: batch)
                         + [Float](repeating: config.objective == .hinge ? -1 : 0, count: batch))
        ones = Buffer([Float](repeating: 1, count: batch))
        lossGrad = Buffer(count: 2 * batch)
        noise = Buffer(count: batch * config.noise)
        discriminatorParameters = gan.discriminator.namedParameters.map(\.1)
    }

    public var isFinished: Bool { epoch >= config.epochs }

    /// G(z) for `b` noise vectors from stream `stream` at position `index`.
    private func generate(_ b: Int, stream: UInt64, index: UInt64) -> Tensor {
        GAN.fillNoise(noise.pointer, batch: b, noise: config.noise, seed: config.seed, stream: stream, index: index)
        return gan.generator.forward(noise.tensor(batch: b, dims: .features(config.noise)),
                                     context: PassContext(training: true, seed: config.seed, step: index))
    }

    private static func meanSigmoid(_ logits: UnsafePointer<Float>, _ n: Int) -> Double {
        (0..<n).reduce(0.0) { $0 + 1 / (1 + exp(-Double(logits[$1]))) } / Double(max(n, 1))
    }

    /// Images per step (the configured batch size, at most the training set).
    public var batchSize: Int { batch }

    /// Discriminator loss on the `batchSize` real images at `indices` and as many fakes (noise at the current discriminator
    /// step), with D's gradients written (no update). Returns the loss, mean D(x) and mean D(G(z)).
    public func discriminatorLossAndGradient(_ indices: ArraySlice<Int>) -> (loss: Double, real: Double, fake: Double) {
        precondition(indices.count == batch, "a discriminator step takes \(batch) images, got \(indices.count)")
        let b = batch, n = config.image.count
        train.gather(indices, into: pair.pointer)
        let fake = generate(b, stream: 1, index: discriminatorStep)
        (pair.pointer + b * n).update(from: fake.data, count: b * n)
        let logits = gan.discriminator.forward(pair.tensor(batch: 2 * b, dims: config.image),
                                               context: PassContext(training: true, seed: config.seed, step: discriminatorStep))
        // Mean over 2b terms × 2 = mean over real + mean over fake; bce's grad = (σ − t) / b.
        let lossOf2b = config.objective == .hinge ? ck_hinge_loss : ck_bce_logits_loss
        let loss = 2 * Double(lossOf2b(lossGrad.pointer, logits.data, targets.pointer, Int64(2 * b), 2))
        gan.discriminator.backward(lossGrad.tensor(batch: 2 * b, dims: .features(1)))
        return (loss, Self.meanSigmoid(logits.data, b), Self.meanSigmoid(logits.data + b, b))
    }

    /// Generator loss over a batch of fakes (noise at the current generator step): the non-saturating
    /// −mean log D(G(z)), or −mean of D's logits under the hinge objective, with G's gradients written through D (no update). D's weight gradients are not computed on the way
    /// (only its input gradient is needed; its next step overwrites them anyway): for gan-conv that skips the
    /// weight-gradient GEMMs of D's convolutions and Linear.
    public func generatorLossAndGradient() -> Double {
        let b = batch
        let fake = generate(b, stream: 2, index: generatorStep)
        let logits = gan.discriminator.forward(fake, context: PassContext(training: true, seed: config.seed, step: generatorStep))
        let loss = config.objective == .hinge ? Double(ck_hinge_generator_loss(lossGrad.pointer, logits.data, Int64(b), 1))
            : Double(ck_bce_logits_loss(lossGrad.pointer, logits.data, ones.pointer, Int64(b), 1))
        for p in discriminatorParameters { p.wantsGradient = false }
        defer { for p in discriminatorParameters { p.wantsGradient = true } }
        let dx = gan.discriminator.backward(lossGrad.tensor(batch: b, dims: .features(1)))
        gan.generator.backward(dx)
        return loss
    }

    /// One pass over the shuffled training images: a discriminator step per batch, a generator step after every
    /// `discriminatorSteps` of them. Throws if a loss stops being finite.
    @discardableResult
    public func runEpoch(onStep: ((StepProgress) -> Void)? = nil) throws -> GANEpochRecord {
        let start = DispatchTime.now().uptimeNanoseconds
        let order = Shuffle.permutation(train.count, seed: config.seed, stream: UInt64(epoch))
        var d = (loss: 0.0, real: 0.0, fake: 0.0), g = 0.0, dSteps = 0, gSteps = 0
        let steps = train.count / batch
        for s in 0..<steps {
            let step = updateDiscriminator(order[(s * batch)..<((s + 1) * batch)])
            d = (d.loss + step.loss, d.real + step.real, d.fake + step.fake)
            dSteps += 1
            if dSteps % config.discriminatorSteps == 0 {
                g += updateGenerator()
                gSteps += 1
            }
            guard step.loss.isFinite && g.isFinite else {
                throw NetworkError("GAN training diverged at epoch \(epoch + 1), step \(s + 1); try a smaller learning rate")
            }
            if let onStep {
                let secs = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                onStep(StepProgress(epoch: epoch + 1, epochs: config.epochs, step: s + 1, steps: steps, loss: step.loss,
                                    imagesPerSecond: Double((s + 1) * batch) / max(secs, 1e-9), secondsInEpoch: secs))
            }
        }
        epoch += 1
        average?.recalibrate(seed: config.seed)
        let k = Double(max(dSteps, 1)), seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        let record = GANEpochRecord(epoch: epoch, discriminatorLoss: d.loss / k, generatorLoss: g / Double(max(gSteps, 1)),
                                    realScore: d.real / k, fakeScore: d.fake / k, seconds: seconds,
                                    imagesPerSecond: Double(dSteps * batch) / max(seconds, 1e-9))
        history.append(record)
        return record
    }

    /// One discriminator step on the real images at `indices` (`batchSize` of them) and one generator step, each with
    /// its Adam update, for benchmarks. Returns the discriminator loss.
    public func benchmarkStep(indices: Range<Int>) -> Double {
        let d = updateDiscriminator(Array(indices)[...])
        _ = updateGenerator()
        return d.loss
    }

    /// G's learning rate in the current epoch (`GANConfig.learningRate(epoch:)`; D's may differ: `--d-lr`).
    public var learningRate: Float { config.learningRate(epoch: epoch) }

    /// A discriminator step with its Adam update (the generator is untouched).
    private func updateDiscriminator(_ indices: ArraySlice<Int>) -> (loss: Double, real: Double, fake: Double) {
        let d = discriminatorLossAndGradient(indices)
        discriminatorOptimizer.update(learningRate: config.discriminatorLearningRate(epoch: epoch))
        discriminatorStep += 1
        return d
    }

    /// A generator step with its Adam update (D's weights and weight gradients are untouched).
    private func updateGenerator() -> Double {
        let loss = generatorLossAndGradient()
        generatorOptimizer.update(learningRate: learningRate)
        average?.update()
        generatorStep += 1
        return loss
    }

    /// Runs the remaining epochs; `onEpoch` sees each (e.g. to save a sample grid) and may throw to stop.
    public func fit(onEpoch: ((GANEpochRecord) throws -> Void)? = nil) throws {
        while !isFinished {
            let record = try runEpoch()
            try onEpoch?(record)
        }
    }
}
