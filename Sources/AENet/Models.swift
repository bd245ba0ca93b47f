/// A built model: an autoencoder (encoder + decoder) or a classifier (one network), from a `ModelConfig`.
public final class Model {
    public let config: ModelConfig
    /// Autoencoders: [encoder, decoder]; classifier: [network].
    public let networks: [Sequential]

    public init(_ config: ModelConfig) throws {
        self.config = config
        guard config.input.count > 0 else { throw NetworkError("input dims \(config.input) are empty") }
        try config.validate()
        networks = try Model.build(config)
        var dims = config.input
        for net in networks { dims = try net.outputDims(for: dims) }
        let expected = config.isAutoencoder ? config.input : .features(config.classes)
        guard dims.count == expected.count else { throw NetworkError("\(config.kind) maps \(config.input) to \(dims), expected \(expected)") }
    }

    public var encoder: Sequential? { config.isAutoencoder ? networks[0] : nil }
    public var decoder: Sequential? { config.isAutoencoder ? networks[1] : nil }

    /// Allocates every buffer for batches of up to `maxBatch`.
    public func prepare(maxBatch: Int) throws {
        var dims = config.input
        for (i, net) in networks.enumerated() {
            // Every network after the first passes a gradient back to the one before it.
            try net.prepare(input: dims, maxBatch: maxBatch, needsInputGradient: i > 0)
            dims = net.outputDims
        }
    }

    public func initialize(seed: UInt64) { networks.forEach { $0.initialize(seed: seed) } }

    /// Every parameter with its qualified name ("encoder.0.weight"), in a fixed order.
    public var namedParameters: [(String, Parameter)] { networks.flatMap(\.namedParameters) }
    public var namedBuffers: [(String, Parameter)] { networks.flatMap(\.namedBuffers) }
    public var parameterCount: Int { networks.reduce(0) { $0 + $1.parameterCount } }

    /// Runs all networks: the reconstruction (autoencoder) or the logits (classifier).
    public func forward(_ x: Tensor, context: PassContext) -> Tensor {
        networks.reduce(x) { $1.forward($0, context: context) }
    }

    public var summary: String {
        networks.map { "\($0.name) \($0.inputDims) → \($0.outputDims):\n\($0.summary)" }.joined(separator: "\n")
    }

    // MARK: architectures

    static func build(_ c: ModelConfig) throws -> [Sequential] {
        let p = c.dropout, act = c.activation.layerKind
        func hidden(_ layers: [Layer]) -> [Layer] { p > 0 ? layers + [Dropout(p)] : layers }
        func conv(_ i: Int, _ o: Int, _ s: Int) -> [Layer] {
            hidden([Convolution(.conv, i, o, kernel: 3, stride: s, padding: 1), Activation(act)])
        }
        func convT(_ i: Int, _ o: Int, _ s: Int, op: Int, last: Bool = false) -> [Layer] {
            let layer = Convolution(.transposed, i, o, kernel: 3, stride: s, padding: 1, outputPadding: op,
                                    initializer: last ? .xavier : .he)
            return last ? [layer, Activation(.sigmoid)] : hidden([layer, Activation(act)])
        }
        func mlp(_ widths: [Int]) -> [Layer] {  // Linear+ReLU(+Dropout) between consecutive widths
            zip(widths, widths.dropFirst()).flatMap { hidden([Linear($0, $1), Activation(act)]) }
        }
        let n = c.input.count, z = c.latent
        /// The encoder's last layers from `width` features: the code, or (VAE) μ and log σ² and the sampler.
        func code(_ width: Int) -> [Layer] {
            c.isVAE ? [Linear(width, 2 * z, initializer: .xavier), VAESampler(latent: z)] : [Linear(width, z, initializer: .xavier)]
        }
        switch c.kind {
        case .mlp, .vaeMLP:
            let h = c.resolvedHidden
            return [
                Sequential("encoder", mlp([n] + h) + code(h.last ?? n)),
                Sequential("decoder", mlp([z] + h.reversed()) + [Linear(h.first ?? z, n, initializer: .xavier),
                                                                   Activation(.sigmoid), Reshape(c.input)]),
            ]
        case .classifier:
            let h = c.resolvedHidden
            return [Sequential("classifier", mlp([n] + h) + [Linear(h.last ?? n, c.classes, initializer: .xavier)])]
        case .cnn3, .vaeConv:
            let (s, f) = try convGeometry(c.input, strides: [2, 2, 2])
            return [
                Sequential("encoder", conv(c.input.c, 32, 2) + conv(32, 64, 2) + conv(64, 128, 2) + code(f)),
                Sequential("decoder", [Linear(z, f), Reshape(Dims(128, s.h, s.w))]
                           + convT(128, 64, 2, op: 0) + convT(64, 32, 2, op: 1)
                           + convT(32, c.input.c, 2, op: 1, last: true)),
            ]
        case .cnn5:
            let (s, f) = try convGeometry(c.input, strides: [1, 2, 1, 2, 2])
            return [
                Sequential("encoder", conv(c.input.c, 32, 1) + conv(32, 32, 2) + conv(32, 64, 1) + conv(64, 64, 2)
                           + conv(64, 128, 2) + [Linear(f, z, initializer: .xavier)]),
                Sequential("decoder", [Linear(z, f), Reshape(Dims(128, s.h, s.w))]
                           + convT(128, 64, 2, op: 0) + convT(64, 64, 1, op: 0)
                           + convT(64, 32, 2, op: 1) + convT(32, 32, 1, op: 0)
                           + convT(32, c.input.c, 2, op: 1, last: true)),
            ]
        case .convbottleneck:
            let (s, f) = try convGeometry(c.input, strides: [2, 2, 2], lastChannels: 64)
            return [
                Sequential("encoder", conv(c.input.c, 16, 2) + conv(16, 32, 2) + conv(32, 64, 2)
                           + hidden([Linear(f, 128), Activation(act)]) + [Linear(128, z, initializer: .xavier)]),
                Sequential("decoder", hidden([Linear(z, 128), Activation(act)]) + hidden([Linear(128, f), Activation(act)])
                           + [Reshape(Dims(64, s.h, s.w))]
                           + convT(64, 32, 2, op: 0) + convT(32, 16, 2, op: 1)
                           + convT(16, c.input.c, 2, op: 1, last: true)),
            ]
        }
    }

    /// Spatial size after k3/p1 convolutions with these strides, and the flattened feature count.
    static func convGeometry(_ input: Dims, strides: [Int], lastChannels: Int = 128) throws -> (Dims, Int) {
        guard input.h == 28 && input.w == 28 else {
            throw NetworkError("convolutional models are defined for 28x28 inputs, got \(input.h)x\(input.w)")
        }
        var h = input.h, w = input.w
        for s in strides {
            h = (h + 2 - 3) / s + 1
            w = (w + 2 - 3) / s + 1
        }
        return (Dims(lastChannels, h, w), lastChannels * h * w)
    }
}
