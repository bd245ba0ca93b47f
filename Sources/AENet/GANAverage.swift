import CKernels

/// An exponential moving average of the generator's weights (Yazici et al. 2019): after every generator step
/// ema = decay · ema + (1 − decay) · w for each of G's parameters. Adam's last iterates oscillate around what the
/// game converges to; their average is a smoother generator that typically makes better samples, at no training
/// cost (the average never feeds back into training).
///
/// Batch norm running statistics are not averaged but re-estimated (`recalibrate`): the averaged weights are not
/// weights the raw G ever had, so the raw G's running statistics (or their average) describe other activations.
/// Averaging rotating filters also shrinks their norm, so the averaged G's pre-normalisation variance is smaller than
/// any raw G's, and normalising with averaged statistics would misscale every feature map. Running the averaged G in
/// training mode over fixed noise batches measures its own statistics ("standing statistics", as PyTorch's
/// swa_utils.update_bn does for weight averages).
public final class GeneratorAverage {
    public let decay: Float
    /// The averaged G: same architecture and qualified names as the GAN's generator ("generator.0.weight").
    public let generator: Sequential
    /// (average, raw) parameter pairs in a fixed order, so `update` allocates nothing.
    private let pairs: [(average: Parameter, raw: Parameter)]
    private let noise: Buffer, batch: Int, noiseSize: Int

    /// Noise batches behind the running statistics: enough for ~2 000 samples, a few % of an MNIST epoch's G passes.
    public static let recalibrationBatches = 32

    /// An average starting at `gan`'s current generator (its initial weights, when called before training), able to
    /// run batches of `batch` samples.
    public init(of gan: GAN, decay: Float, batch: Int) throws {
        precondition(decay >= 0 && decay < 1, "the EMA decay must be in [0, 1), got \(decay)")
        self.decay = decay
        generator = GAN.networks(gan.config).generator
        try generator.prepare(input: .features(gan.config.noise), maxBatch: batch)
        self.batch = batch
        noiseSize = gan.config.noise
        noise = Buffer(count: batch * noiseSize)
        pairs = zip(generator.namedParameters, gan.generator.namedParameters).map { ($0.1, $1.1) }
        try generator.load(parameters: gan.generator.parameterValues)
    }

    /// ema ← decay · ema + (1 − decay) · w for every parameter of G, with the existing scale and axpy kernels
    /// (y = decay·y, then y += (1 − decay)·w with one fused multiply-add): decay 0 copies w exactly.
    public func update() {
        for (average, raw) in pairs {
            let n = Int64(average.count)
            ck_scale(average.value.pointer, average.value.pointer, n, decay)
            ck_axpy(average.value.pointer, raw.value.pointer, n, 1 - decay)
        }
    }

    /// Re-estimates the averaged G's batch norm running statistics as the equal-weight mean over
    /// `recalibrationBatches` fixed noise batches (noise stream 4 of `seed`, which no training step reads) in
    /// training mode; momentum 1/(k+1) at batch k makes the running update a cumulative average. A deterministic
    /// function of the averaged weights, so it never affects training or resumption. No-op without batch norm.
    public func recalibrate(seed: UInt64) {
        let norms = generator.layers.compactMap { $0 as? BatchNorm }
        guard !norms.isEmpty else { return }
        let momenta = norms.map(\.momentum)
        defer { for (bn, m) in zip(norms, momenta) { bn.momentum = m } }
        for k in 0..<Self.recalibrationBatches {
            for bn in norms { bn.momentum = 1 / Float(k + 1) }
            GAN.fillNoise(noise.pointer, batch: batch, noise: noiseSize, seed: seed, stream: 4, index: UInt64(k))
            _ = generator.forward(noise.tensor(batch: batch, dims: .features(noiseSize)),
                                  context: PassContext(training: true, seed: seed, step: UInt64(k)))
        }
    }
}

/// A network stores and loads on its own through the parameter-owner helpers (the averaged generator, or a GAN's G
/// replaced by it).
extension Sequential: ParameterOwner {
    public static var ownerName: String { "network" }
}
