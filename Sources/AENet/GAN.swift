import CKernels

/// A generative adversarial network of two MLPs (Goodfellow et al. 2014, with the non-saturating generator
/// loss): everything needed to rebuild and retrain it.
public struct GANConfig: Equatable, Sendable {
    /// Image dims the generator produces and the discriminator reads.
    public var image = Dims(1, 28, 28)
    /// Size of the generator's noise input z ~ N(0, I).
    public var noise = 64
    /// Generator hidden widths, noise → hidden… → image; the discriminator mirrors them, image → …hidden → 1.
    public var hidden = [256, 512]
    /// Hidden activation of both networks (LeakyReLU(0.2) by default; tanh makes finite differences exact).
    public var activation: Activation.Kind = .leakyRelu(slope: 0.2)
    public var epochs = 10
    public var batchSize = 64
    /// Discriminator updates per generator update (k).
    public var discriminatorSteps = 1
    /// Adam for both networks, with β1 = 0.5 as in DCGAN.
    public var optimizer = OptimizerConfig(kind: .adam, learningRate: 2e-4, beta1: 0.5)
    public var seed: UInt64 = 1

    public init() {}

    /// Checks ranges; the message names the offending setting.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw NetworkError(message) } }
        try check(image.count > 0, "image dims \(image) are empty")
        try check((1...100_000).contains(noise), "noise size must be in 1...100000, got \(noise)")
        try check(hidden.allSatisfy { $0 > 0 }, "hidden widths must be positive")
        try check(epochs >= 1 && batchSize >= 1, "epochs and batch size must be >= 1")
        try check(discriminatorSteps >= 1, "discriminator steps must be >= 1")
        let lr = optimizer.learningRate
        try check(lr.isFinite && lr > 0 && lr <= 10, "learning rate must be in (0, 10], got \(lr)")
    }
}

/// The two networks of a GAN: generator G (noise → image in [0, 1] through a sigmoid) and discriminator D
/// (image → one logit; D(x) = sigmoid(logit) is the probability that x is real).
public final class GAN {
    public let config: GANConfig
    public let generator: Sequential
    public let discriminator: Sequential

    public init(_ config: GANConfig) throws {
        try config.validate()
        self.config = config
        let n = config.image.count, act = config.activation
        func mlp(_ widths: [Int]) -> [Layer] {
            zip(widths, widths.dropFirst()).flatMap { [Linear($0, $1), Activation(act)] as [Layer] }
        }
        let h = config.hidden
        generator = Sequential("generator", mlp([config.noise] + h)
                               + [Linear(h.last ?? config.noise, n, initializer: .xavier), Activation(.sigmoid), Reshape(config.image)])
        discriminator = Sequential("discriminator", mlp([n] + h.reversed()) + [Linear(h.first ?? n, 1, initializer: .xavier)])
    }

    /// Allocates buffers: G for batches of `batch`, D for 2·batch (a real and a fake half in one pass).
    public func prepare(batch: Int) throws {
        try generator.prepare(input: .features(config.noise), maxBatch: batch)
        try discriminator.prepare(input: config.image, maxBatch: 2 * batch, needsInputGradient: true)
    }

    public func initialize(seed: UInt64) {
        generator.initialize(seed: seed)
        discriminator.initialize(seed: seed)
    }

    public var namedParameters: [(String, Parameter)] { generator.namedParameters + discriminator.namedParameters }

    /// Standard-normal noise for `batch` samples at position `index` of stream `stream` of `seed`.
    static func fillNoise(_ out: UnsafeMutablePointer<Float>, batch: Int, noise: Int, seed: UInt64, stream: UInt64, index: UInt64) {
        let key = (seed ^ 0x6761_6E5F_7A) &* 0x9E37_79B9_7F4A_7C15 &+ stream
        ck_random_normal(out, Int64(batch * noise), key, index &* UInt64(batch * noise), 0, 1)
    }

    /// `count` generated images (N × image dims) from z at positions 0..<count of the sample stream of `seed`:
    /// the same seed gives the same z, so grids of one seed are comparable across epochs.
    public func sample(count: Int, seed: UInt64) -> [Float] {
        let b = generator.maxBatch, d = config.image.count
        let z = Buffer(count: b * config.noise)
        var out = [Float](repeating: 0, count: count * d)
        for (k, start) in stride(from: 0, to: count, by: b).enumerated() {
            let m = min(b, count - start)
            GAN.fillNoise(z.pointer, batch: b, noise: config.noise, seed: seed, stream: 3, index: UInt64(k))
            let y = generator.forward(z.tensor(batch: m, dims: .features(config.noise)), context: PassContext(training: false))
            out.withUnsafeMutableBufferPointer { ($0.baseAddress! + start * d).update(from: y.data, count: m * d) }
        }
        return out
    }
}
