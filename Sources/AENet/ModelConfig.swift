/// Which architecture to build, with everything needed to rebuild it from a run file.
public struct ModelConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// MLP autoencoder: hidden widths mirrored around the latent layer, sigmoid output.
        case mlp
        /// CNN3 autoencoder (3 stride-2 convolutions, linear bottleneck, 3 transposed convolutions).
        case cnn3
        /// CNN5 autoencoder (5 convolutions, linear bottleneck, 5 transposed convolutions).
        case cnn5
        /// Convolutional autoencoder with a 2-layer linear bottleneck (encoding dim 4/8/16/32).
        case convbottleneck
        /// MLP classifier [input, hidden..., classes] with ReLU and softmax cross-entropy.
        case classifier
        /// Variational autoencoder, MLP: the mlp architecture with a 2·latent (μ, log σ²) encoder output and a
        /// sampling head; trained on the negative ELBO (reconstruction summed per image + β·KL).
        case vaeMLP = "vae-mlp"
        /// Variational autoencoder, convolutional: the cnn3 architecture with the same VAE head. Named `vae-cnn`
        /// (issue 8); `vae-conv`, its first name, is still accepted on the command line and in run files.
        case vaeConv = "vae-cnn"

        /// The kind called `name`, aliases included.
        public init?(name: String) {
            guard let kind = Kind(rawValue: name == "vae-conv" ? "vae-cnn" : name) else { return nil }
            self = kind
        }

        /// Whether `hidden` shapes this kind; the convolutional kinds have fixed channels and ignore it.
        public var takesHiddenWidths: Bool { self == .mlp || self == .vaeMLP || self == .classifier }

        /// The learning-rate warm-up (`TrainConfig.warmupSteps`) a run of this kind gets unless told otherwise:
        /// 100 updates for cnn5, none for the rest. CNN5 — ten ReLU layers without normalisation — can push its
        /// output sigmoid into saturation within its first Adam updates and never learn (seed 1 at latent 15 does,
        /// and PyTorch does for 4 of 6 seeds); a 100-update ramp trains every seed tried.
        public var defaultWarmupSteps: Int { self == .cnn5 ? 100 : 0 }

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer(), name = try c.decode(String.self)
            guard let kind = Kind(name: name) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown model kind '\(name)'")
            }
            self = kind
        }
    }

    public var kind: Kind
    /// Input image dims (1 × 28 × 28 for MNIST).
    public var input: Dims
    /// Latent size (autoencoders).
    public var latent: Int
    /// Hidden widths (mlp, vae-mlp, classifier); default by kind when empty.
    public var hidden: [Int]
    /// Number of classes (classifier).
    public var classes: Int
    /// Dropout after each hidden activation (0 = none).
    public var dropout: Float
    /// Activation after every hidden layer (the output layer keeps sigmoid / logits).
    public var activation: HiddenActivation

    /// Hidden-layer nonlinearity. ReLU is the reference studies' choice; the smooth ones also make finite
    /// difference checks exact (no kinks).
    public enum HiddenActivation: String, Codable, CaseIterable, Sendable {
        case relu, leakyrelu, tanh, sigmoid

        public var layerKind: Activation.Kind {
            switch self {
            case .relu: .relu
            case .leakyrelu: .leakyRelu(slope: 0.01)
            case .tanh: .tanh
            case .sigmoid: .sigmoid
            }
        }
    }

    public init(kind: Kind, input: Dims = Dims(1, 28, 28), latent: Int = 32, hidden: [Int] = [], classes: Int = 10,
                dropout: Float = 0, activation: HiddenActivation = .relu) {
        self.kind = kind
        self.input = input
        self.latent = latent
        self.hidden = hidden
        self.classes = classes
        self.dropout = dropout
        self.activation = activation
    }

    private enum CodingKeys: String, CodingKey { case kind, input, latent, hidden, classes, dropout, activation }

    /// Keys added after version 1 of the run format are optional, so older run files still load.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.decode(Kind.self, forKey: .kind), input: try c.decode(Dims.self, forKey: .input),
                  latent: try c.decode(Int.self, forKey: .latent), hidden: try c.decode([Int].self, forKey: .hidden),
                  classes: try c.decode(Int.self, forKey: .classes),
                  dropout: try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0,
                  activation: try c.decodeIfPresent(HiddenActivation.self, forKey: .activation) ?? .relu)
    }

    public var isAutoencoder: Bool { kind != .classifier }
    /// Variational autoencoders (the encoder ends in a `VAESampler`; `latent` is the size of z).
    public var isVAE: Bool { kind == .vaeMLP || kind == .vaeConv }

    /// Checks the ranges `Model` needs (the input dims are checked when it is built, from the data).
    public func validate() throws {
        guard dropout >= 0 && dropout < 1 else { throw NetworkError("dropout must be in [0, 1), got \(dropout)") }
        if isAutoencoder {
            guard (1...100_000).contains(latent) else { throw NetworkError("latent size must be in 1...100000, got \(latent)") }
        } else {
            guard classes >= 2 else { throw NetworkError("a classifier needs at least 2 classes, got \(classes)") }
        }
        guard resolvedHidden.allSatisfy({ $0 > 0 }) else { throw NetworkError("hidden widths must be positive") }
    }

    /// Hidden widths actually used.
    public var resolvedHidden: [Int] {
        if !hidden.isEmpty { return hidden }
        switch kind {
        case .mlp, .vaeMLP: return [512, 128]
        case .classifier: return [512]
        default: return []
        }
    }
}

extension Dims: Codable {
    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        self.init(try c.decode(Int.self), try c.decode(Int.self), try c.decode(Int.self))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(self.c)
        try c.encode(h)
        try c.encode(w)
    }
}
