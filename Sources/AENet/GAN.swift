import CKernels

/// A generative adversarial network (Goodfellow et al. 2014, with the non-saturating generator loss): everything
/// needed to rebuild and retrain it, stored as JSON in GAN run files.
public struct GANConfig: Codable, Equatable, Sendable {
    /// The pair of networks.
    public enum Architecture: String, Codable, CaseIterable, Sendable {
        /// MLP generator noise → hidden… → image and the mirrored MLP discriminator image → …hidden → 1.
        case mlp = "gan-mlp"
        /// DCGAN-style pair (see `GAN.conv`): ConvT generator, strided-conv discriminator, batch norm unless turned off.
        case conv = "gan-conv"
    }

    public var architecture: Architecture = .mlp
    /// Image dims the generator produces and the discriminator reads.
    public var image = Dims(1, 28, 28)
    /// Size of the generator's noise input z ~ N(0, I).
    public var noise = 64
    /// MLP: generator hidden widths (the discriminator mirrors them). Conv: the discriminator's channels after each
    /// stride-2 convolution (the generator mirrors them). Empty = the architecture's default. `generatorHidden`
    /// gives G widths of its own; D's then stay these.
    public var hidden: [Int] = []
    /// The generator's own widths or channels, in `hidden`'s order (MLP: noise side first; conv: image side first,
    /// e.g. [128, 256] for G = Linear z→256·7·7, ConvT 256→128, ConvT 128→1), when G should differ from D (a
    /// wider G beside the standard D). Empty = G mirrors `hidden`; runs written before it existed decode as empty.
    public var generatorHidden: [Int] = []
    /// Hidden activation of both networks (LeakyReLU(0.2) by default; tanh makes finite differences exact), unless
    /// `generatorActivation` overrides it for G.
    public var activation: Activation.Kind = .leakyRelu(slope: 0.2)
    /// G's hidden activation; nil = DCGAN's choice: ReLU with batch norm, else `activation`.
    public var generatorActivation: Activation.Kind? = nil
    /// How both networks' weights start (biases start at 0, batch norm at γ = 1, β = 0).
    public enum Initialization: String, Codable, CaseIterable, Sendable {
        /// He uniform, Xavier on the MLP pair's output layers (the first recipe).
        case he
        /// N(0, 0.02²) for every linear and convolution weight (Radford et al. 2016).
        case dcgan
    }
    /// nil = the recipe's: DCGAN's with batch norm (gan-conv), He otherwise (and for every run written before this
    /// setting existed, as those have no batch norm).
    public var initialization: Initialization? = nil
    /// gan-conv only: batch norm after G's Linear and hidden ConvTs and after D's convolutions but the first
    /// (DCGAN). Runs written before batch norm existed decode as false, so they rebuild the network they trained.
    public var batchNorm = true
    /// Spectral normalisation of every discriminator weight (Miyato et al. 2018), which then has no batch norm
    /// (G keeps its own): D's Lipschitz constant is held near 1 instead of its activations being normalised.
    /// Off by default; runs written before it existed decode as false.
    public var spectralNorm = false
    /// The adversarial objective.
    public enum Objective: String, Codable, CaseIterable, Sendable {
        /// D: binary cross-entropy on real (target `realLabel`) and fake (0); G: the non-saturating −log D(G(z)).
        case bce
        /// D: mean max(0, 1 − D(x)) + mean max(0, 1 + D(G(z))) on logits; G: −mean D(G(z)) (Lim & Ye 2017, the
        /// objective of SN-GAN, Miyato et al. 2018).
        case hinge
    }
    /// Runs written before it existed decode as .bce.
    public var objective: Objective = .bce
    public var epochs = 10
    public var batchSize = 64
    /// Discriminator updates per generator update (k).
    public var discriminatorSteps = 1
    /// Dropout after each hidden activation of the discriminator (0 = none): slows D down so G keeps a gradient.
    public var dropout: Float = 0
    /// Target of real images in D's loss: 1, or e.g. 0.9 for one-sided label smoothing (Salimans et al. 2016).
    public var realLabel: Float = 1
    /// Adam for both networks, with β1 = 0.5 as in DCGAN.
    public var optimizer = OptimizerConfig(kind: .adam, learningRate: 2e-4, beta1: 0.5)
    /// Per-epoch learning rate of both networks (constant by default; runs written before it existed decode as constant).
    public var schedule: Schedule = .constant
    /// D's base learning rate when it differs from G's (`optimizer.learningRate`), e.g. a slower D when it pulls
    /// ahead; the schedule scales both alike. nil = the same as G's (and runs written before it existed).
    public var discriminatorLearningRate: Float? = nil
    public var seed: UInt64 = 1
    /// Decay of an exponential moving average of G's weights (Yazici et al. 2019), kept beside the trained G and
    /// used for samples and scores; nil = none. Off by default: it costs a second copy of G and changes what a run
    /// samples, so it is opted into (`--ema 0.999`); runs written before it existed decode as nil.
    public var ema: Float? = nil

    public init(architecture: Architecture = .mlp) { self.architecture = architecture }

    /// Both networks' learning rate in epoch `epoch` (0-based) of `epochs`. The last epoch of a linear decay to 0 still
    /// trains: its rate is the previous one's half, not 0 (an epoch at lr 0 would only cost time).
    public func learningRate(epoch: Int) -> Float {
        let lr = schedule.learningRate(base: optimizer.learningRate, epoch: epoch, epochs: epochs)
        guard lr <= 0, epoch > 0 else { return lr }
        return schedule.learningRate(base: optimizer.learningRate, epoch: epoch - 1, epochs: epochs) / 2
    }

    /// D's learning rate in epoch `epoch`: G's (`learningRate(epoch:)`) scaled by discriminatorLearningRate / G's base.
    public func discriminatorLearningRate(epoch: Int) -> Float {
        let g = learningRate(epoch: epoch)
        guard let d = discriminatorLearningRate else { return g }
        return g * (d / optimizer.learningRate)
    }

    /// Whether the networks contain batch norm layers (gan-conv with `batchNorm`).
    public var usesBatchNorm: Bool { architecture == .conv && batchNorm }

    /// The weight initialisation actually used.
    public var resolvedInitialization: Initialization { initialization ?? (usesBatchNorm ? .dcgan : .he) }

    /// G's hidden activation actually used.
    public var resolvedGeneratorActivation: Activation.Kind { generatorActivation ?? (usesBatchNorm ? .relu : activation) }

    /// Hidden widths (MLP) or channels (conv) actually used.
    public var resolvedHidden: [Int] {
        if !hidden.isEmpty { return hidden }
        return architecture == .mlp ? [256, 512] : [64, 128]
    }

    /// The generator's widths or channels actually used (`generatorHidden`, else `resolvedHidden`).
    public var resolvedGeneratorHidden: [Int] { generatorHidden.isEmpty ? resolvedHidden : generatorHidden }

    /// Checks ranges; the message names the offending setting.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw NetworkError(message) } }
        try check(image.count > 0, "image dims \(image) are empty")
        try check((1...100_000).contains(noise), "noise size must be in 1...100000, got \(noise)")
        try check((resolvedHidden + generatorHidden).allSatisfy { $0 > 0 }, "hidden widths must be positive")
        try check(epochs >= 1 && epochs <= 100_000 && batchSize >= 1, "epochs must be in 1...100000 and batch size >= 1")
        try check(discriminatorSteps >= 1, "discriminator steps must be >= 1")
        try check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got \(dropout)")
        try check(realLabel > 0.5 && realLabel <= 1, "the real label must be in (0.5, 1], got \(realLabel)")
        try check(objective == .bce || realLabel == 1, "label smoothing (real label \(realLabel)) applies to the bce objective only")
        if let ema { try check(ema >= 0 && ema < 1, "the EMA decay must be in [0, 1), got \(ema)") }
        for lr in [optimizer.learningRate] + (discriminatorLearningRate.map { [$0] } ?? []) {
            try check(lr.isFinite && lr > 0 && lr <= 10, "learning rate must be in (0, 10], got \(lr)")
        }
        try check((0..<1).contains(optimizer.beta1), "beta1 must be in [0, 1), got \(optimizer.beta1)")
        if architecture == .conv {
            // G doubles its base exactly up to the image; D's k4 s2 p1 convolutions halve with rounding down
            // (28 → 14 → 7 → 3), so D only needs a pixel left.
            let k = resolvedGeneratorHidden.count, f = 1 << k, dk = resolvedHidden.count
            try check(image.h % f == 0 && image.w % f == 0 && image.h >= f,
                      "gan-conv's generator doubles its base \(k) times: \(image.h)x\(image.w) must be a multiple of \(f)")
            try check(dk < 30 && image.h >> dk >= 1 && image.w >> dk >= 1,
                      "gan-conv's discriminator halves the image \(dk) times: \(image.h)x\(image.w) is too small")
        }
    }

    // Activation.Kind is not Codable: it is stored as "relu", "sigmoid", "tanh" or "leakyrelu:<slope>".
    private enum CodingKeys: String, CodingKey {
        case architecture, image, noise, hidden, generatorHidden, activation, generatorActivation, batchNorm, spectralNorm, initialization, objective, epochs, batchSize, discriminatorSteps,
             optimizer, schedule, seed, dropout, realLabel, ema, discriminatorLearningRate
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try c.decode(Architecture.self, forKey: .architecture)
        image = try c.decode(Dims.self, forKey: .image)
        noise = try c.decode(Int.self, forKey: .noise)
        hidden = try c.decode([Int].self, forKey: .hidden)
        generatorHidden = try c.decodeIfPresent([Int].self, forKey: .generatorHidden) ?? []
        let name = try c.decode(String.self, forKey: .activation)
        guard let kind = Self.activation(named: name) else {
            throw DecodingError.dataCorruptedError(forKey: .activation, in: c, debugDescription: "unknown activation '\(name)'")
        }
        activation = kind
        if let g = try c.decodeIfPresent(String.self, forKey: .generatorActivation) {
            guard let kind = Self.activation(named: g) else {
                throw DecodingError.dataCorruptedError(forKey: .generatorActivation, in: c, debugDescription: "unknown activation '\(g)'")
            }
            generatorActivation = kind
        }
        batchNorm = try c.decodeIfPresent(Bool.self, forKey: .batchNorm) ?? false
        spectralNorm = try c.decodeIfPresent(Bool.self, forKey: .spectralNorm) ?? false
        initialization = try c.decodeIfPresent(Initialization.self, forKey: .initialization)
        objective = try c.decodeIfPresent(Objective.self, forKey: .objective) ?? .bce
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        discriminatorSteps = try c.decode(Int.self, forKey: .discriminatorSteps)
        optimizer = try c.decode(OptimizerConfig.self, forKey: .optimizer)
        schedule = try c.decodeIfPresent(Schedule.self, forKey: .schedule) ?? .constant
        seed = try c.decode(UInt64.self, forKey: .seed)
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
        realLabel = try c.decodeIfPresent(Float.self, forKey: .realLabel) ?? 1
        ema = try c.decodeIfPresent(Float.self, forKey: .ema)
        discriminatorLearningRate = try c.decodeIfPresent(Float.self, forKey: .discriminatorLearningRate)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(image, forKey: .image)
        try c.encode(noise, forKey: .noise)
        try c.encode(hidden, forKey: .hidden)
        if !generatorHidden.isEmpty { try c.encode(generatorHidden, forKey: .generatorHidden) }
        try c.encode(Self.name(of: activation), forKey: .activation)
        try c.encodeIfPresent(generatorActivation.map(Self.name(of:)), forKey: .generatorActivation)
        try c.encode(batchNorm, forKey: .batchNorm)
        try c.encode(spectralNorm, forKey: .spectralNorm)
        try c.encodeIfPresent(initialization, forKey: .initialization)
        if objective != .bce { try c.encode(objective, forKey: .objective) }
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(discriminatorSteps, forKey: .discriminatorSteps)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(seed, forKey: .seed)
        try c.encode(dropout, forKey: .dropout)
        try c.encode(realLabel, forKey: .realLabel)
        try c.encodeIfPresent(ema, forKey: .ema)
        try c.encodeIfPresent(discriminatorLearningRate, forKey: .discriminatorLearningRate)
    }

    /// "relu", "sigmoid", "tanh", "leakyrelu" (slope 0.2) or "leakyrelu:<slope>".
    public static func activation(named name: String) -> Activation.Kind? {
        switch name.lowercased() {
        case "relu": return .relu
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        case "leakyrelu": return .leakyRelu(slope: 0.2)
        case let s where s.hasPrefix("leakyrelu:"):
            guard let slope = Float(s.dropFirst("leakyrelu:".count)), slope.isFinite, slope >= 0 else { return nil }
            return .leakyRelu(slope: slope)
        default: return nil
        }
    }

    public static func name(of kind: Activation.Kind) -> String {
        switch kind {
        case .relu: "relu"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .leakyRelu(let slope): "leakyrelu:\(slope)"
        }
    }
}

extension GANConfig {
    /// A Dropout layer when p > 0 (the discriminator's only regulariser; the generator never drops).
    func discriminatorDropout(_ p: Float) -> [Layer] { p > 0 ? [Dropout(p)] : [] }

    /// The initialiser of a weight layer: `recipe` (the layer's own under He initialisation) or DCGAN's N(0, 0.02²).
    func weights(_ recipe: Initializer) -> Initializer { resolvedInitialization == .dcgan ? .normal(std: 0.02) : recipe }
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
        (generator, discriminator) = GAN.networks(config)
    }

    /// Freshly built (unprepared, uninitialised) G and D of `config`.
    static func networks(_ config: GANConfig) -> (generator: Sequential, discriminator: Sequential) {
        config.architecture == .mlp ? GAN.mlp(config) : GAN.conv(config)
    }

    static func mlp(_ c: GANConfig) -> (Sequential, Sequential) {
        let n = c.image.count, h = c.resolvedHidden, gh = c.resolvedGeneratorHidden
        func stack(_ widths: [Int], _ act: Activation.Kind, dropout: Float = 0, spectralNorm sn: Bool) -> [Layer] {
            zip(widths, widths.dropFirst()).flatMap {
                [Linear($0, $1, initializer: c.weights(.he), spectralNorm: sn), Activation(act)] + c.discriminatorDropout(dropout)
            }
        }
        let sn = c.spectralNorm
        return (Sequential("generator", stack([c.noise] + gh, c.resolvedGeneratorActivation, spectralNorm: false)
                           + [Linear(gh.last ?? c.noise, n, initializer: c.weights(.xavier)), Activation(.sigmoid), Reshape(c.image)]),
                Sequential("discriminator", stack([n] + h.reversed(), c.activation, dropout: c.dropout, spectralNorm: sn)
                           + [Linear(h.first ?? n, 1, initializer: c.weights(.xavier), spectralNorm: sn)]))
    }

    /// DCGAN-style pair (Radford et al. 2016). For MNIST and the default channels [64, 128], with batch norm (BN):
    ///   G: Linear z→128·7·7, BN, ReLU, ConvT 128→64 (k4 s2 p1) 7→14, BN, ReLU, ConvT 64→1 (k4 s2 p1) 14→28, sigmoid;
    ///   D: Conv 1→64 (k4 s2 p1) 28→14, LReLU, Conv 64→128 (k4 s2 p1) 14→7, BN, LReLU, Linear 128·7·7→1
    ///   (with `spectralNorm`: every D weight spectrally normalised and no BN in D).
    /// As in DCGAN, neither G's output nor D's input layer is normalised, and D normalises its real and fake halves
    /// apart (`prepare`). G's Linear output is normalised per channel after the reshape (BN2d over 7×7 rather than
    /// BN1d over 6 272 features: 49× more values per statistic). Kernel 4 with stride 2 and padding 1 exactly
    /// doubles / halves the size and, unlike k3 with output padding, gives every output pixel of a ConvT the same
    /// number of taps (no checkerboard bias); the sigmoid output matches pixels in [0, 1].
    /// With `generatorHidden`, G has its own channels and depth (its base is the image halved once per entry) and D
    /// keeps `hidden`'s; D may be deeper than G (28 → 14 → 7 → 3 for three entries).
    /// Without batch norm (`batchNorm` false, the first recipe): the same layers minus BN, LeakyReLU in both networks and
    /// He initialisation everywhere, the last layers included: with Xavier there, G collapsed to all-black images
    /// on MNIST within an epoch (D(G(z)) → 0.01, sigmoid saturated) in all five trials (docs/RESULTS.md, issue 8).
    static func conv(_ c: GANConfig) -> (Sequential, Sequential) {
        let ch = c.resolvedHidden, gch = c.resolvedGeneratorHidden
        func bottom(_ channels: [Int]) -> Dims { Dims(channels.last!, c.image.h >> channels.count, c.image.w >> channels.count) }
        let base = bottom(gch), dBase = bottom(ch)
        let gAct = c.resolvedGeneratorActivation
        func layer(_ kind: Convolution.Kind, _ i: Int, _ o: Int) -> Convolution {
            Convolution(kind, i, o, kernel: 4, stride: 2, padding: 1, initializer: c.weights(.he), spectralNorm: kind == .conv && c.spectralNorm)
        }
        func norm(_ channels: Int) -> [Layer] { c.batchNorm ? [BatchNorm(channels)] : [] }
        let down = zip([c.image.c] + ch, ch).enumerated().flatMap { i, io -> [Layer] in
            [layer(.conv, io.0, io.1)] + (i > 0 && !c.spectralNorm ? norm(io.1) : []) + [Activation(c.activation)]
                + c.discriminatorDropout(c.dropout)
        }
        let upChannels = Array(gch.reversed())
        let up = zip(upChannels, upChannels.dropFirst()).flatMap { [layer(.transposed, $0, $1)] + norm($1) + [Activation(gAct)] }
        // Without batch norm the activation comes before the reshape: the layer order (and so the parameter names) of
        // runs trained before batch norm existed.
        let linear = Linear(c.noise, base.count, initializer: c.weights(.he))
        let stem: [Layer] = c.batchNorm ? [linear, Reshape(base)] + norm(base.c) + [Activation(gAct)] : [linear, Activation(gAct), Reshape(base)]
        return (Sequential("generator", stem + up + [layer(.transposed, gch[0], c.image.c), Activation(.sigmoid)]),
                Sequential("discriminator", down + [Linear(dBase.count, 1, initializer: c.weights(.he), spectralNorm: c.spectralNorm)]))
    }

    /// Allocates buffers: G for batches of `batch`, D for 2·batch (a real and a fake half in one pass, each half
    /// batch-normalised on its own statistics).
    public func prepare(batch: Int) throws {
        for case let bn as BatchNorm in discriminator.layers { bn.group = batch }
        try generator.prepare(input: .features(config.noise), maxBatch: batch)
        try discriminator.prepare(input: config.image, maxBatch: 2 * batch, needsInputGradient: true)
        guard generator.outputDims.count == config.image.count else {
            throw NetworkError("the generator makes \(generator.outputDims), expected \(config.image)")
        }
    }

    public func initialize(seed: UInt64) {
        generator.initialize(seed: seed)
        discriminator.initialize(seed: seed)
    }

    public var namedParameters: [(String, Parameter)] { generator.namedParameters + discriminator.namedParameters }
    public var namedBuffers: [(String, Parameter)] { generator.namedBuffers + discriminator.namedBuffers }
    public var parameterCount: Int { generator.parameterCount + discriminator.parameterCount }

    /// Standard-normal noise for `batch` samples at position `index` of stream `stream` of `seed`.
    static func fillNoise(_ out: UnsafeMutablePointer<Float>, batch: Int, noise: Int, seed: UInt64, stream: UInt64, index: UInt64) {
        let key = (seed ^ 0x6761_6E5F_7A) &* 0x9E37_79B9_7F4A_7C15 &+ stream
        ck_random_normal(out, Int64(batch * noise), key, index &* UInt64(batch * noise), 0, 1)
    }

    /// `count` generated images (N × image dims) from z = the first `count` noise vectors of the sample stream of
    /// `seed`: the same seed gives the same z whatever the batch size, so grids of one seed are comparable across
    /// epochs and between `ae train` and `ae generate`.
    /// `generator` replaces G (e.g. the averaged generator, same architecture).
    public func sample(count: Int, seed: UInt64, using generator: Sequential? = nil) -> [Float] {
        noise(count: count, seed: seed).withUnsafeBufferPointer { generate($0.baseAddress!, count: count, using: generator) }
    }

    /// The noise vectors behind `sample(count:seed:)` (count × noise), z ~ N(0, I); with a `truncation` ψ, every value
    /// with |z| > ψ is redrawn until it is not (the truncation trick of Brock et al. 2019: fewer, more typical codes,
    /// trading variety for fidelity). Values already inside ±ψ keep their untruncated draw, so ψ → ∞ is plain N(0, I).
    public func noise(count: Int, seed: UInt64, truncation: Float? = nil) -> [Float] {
        var z = [Float](repeating: 0, count: max(count, 1) * config.noise)
        GAN.fillNoise(&z, batch: count, noise: config.noise, seed: seed, stream: 3, index: 0)
        if let psi = truncation { GAN.truncate(&z, threshold: psi, seed: seed) }
        return Array(z.prefix(count * config.noise))
    }

    /// Whether ψ is a usable truncation threshold: finite and at least 0.1 (below that almost every value is
    /// redrawn, and ψ → 0 never terminates). The one check behind `ae score`, `ae generate` and `TrainedGAN.sample`.
    public static func isValidTruncation(_ psi: Float) -> Bool { psi.isFinite && psi >= 0.1 }

    /// Largest candidates-per-sample factor of discriminator-ranked sampling (`TrainedGAN.sample(rejection:)`).
    public static let maximumRejection = 100
    /// Whether k is a usable rejection factor: 1 (no selection) up to `maximumRejection`.
    public static func isValidRejection(_ k: Int) -> Bool { (1...maximumRejection).contains(k) }

    /// Redraws each |z[i]| > `threshold` from its own positions of a redraw stream (attempt a of value i reads
    /// position a·count + i), so the result depends only on the seed. After 10 000 failed attempts (ψ far below the
    /// usual 0.5–1) the value is clamped to ±ψ.
    static func truncate(_ z: inout [Float], threshold: Float, seed: UInt64) {
        precondition(threshold > 0, "the truncation threshold must be positive")
        let key = (seed ^ 0x7472_756E_63) &* 0x9E37_79B9_7F4A_7C15, n = UInt64(z.count)
        for i in z.indices where abs(z[i]) > threshold {
            var v = z[i], attempt: UInt64 = 0
            while abs(v) > threshold && attempt < 10_000 {
                ck_random_normal(&v, 1, key, attempt &* n &+ UInt64(i), 0, 1)
                attempt += 1
            }
            z[i] = min(max(v, -threshold), threshold)
        }
    }

    /// D's logit (higher: rated real) for each of `count` images (count × image dims), in batches of D's capacity,
    /// evaluation mode (batch norm on its running statistics).
    public func discriminate(_ images: UnsafePointer<Float>, count: Int) -> [Float] {
        discriminator.evaluate(images, count: count)
    }

    /// G(z) for `count` noise vectors `z` (count × noise), in batches of the generator's capacity, evaluation mode;
    /// `generator` replaces G as in `sample`.
    public func generate(_ z: UnsafePointer<Float>, count: Int, using generator: Sequential? = nil) -> [Float] {
        (generator ?? self.generator).evaluate(z, count: count)
    }
}
