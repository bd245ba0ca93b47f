import CKernels

/// The last layer of a VAE encoder: takes the 2·latent outputs of the final Linear, [μ | log σ²] per sample,
/// and returns the code z (latent features) through the fused C head (ck_vae.h).
///
/// - Training (or `samplesInEvaluation`): z = μ + σ·ε with ε ~ N(0, I) drawn from the counter-based RNG at
///   (context.seed, context.step), so a step's noise is reproducible and the same on every re-run of that step
///   (which is what fixes ε for gradient checks and makes resumed runs bitwise identical).
/// - Evaluation: z = μ. The encoder's output is then the mean code, so `Evaluator.encode`, PCA, t-SNE and
///   `Model.forward` (the mean reconstruction) work on a VAE unchanged.
///
/// Every forward also computes each sample's KL(q(z|x) ‖ N(0, I)) in closed form (`klPerSample`); backward
/// adds the gradient of `klWeight` · Σ KL to the one flowing back from the decoder.
public final class VAESampler: Layer {
    public let latent: Int
    /// Weight of Σ_batch KL in the objective that backward differentiates: the trainer sets β / batch.
    public var klWeight: Float = 0
    /// Draw ε also in evaluation mode (a sampled validation ELBO), still from (context.seed, context.step).
    public var samplesInEvaluation = false
    private var output = Buffer(count: 0), inputGrad = Buffer(count: 0), noise = Buffer(count: 0), klRows = Buffer(count: 0)
    private var capacity = 0
    private var input: Tensor?
    private var sampled = false
    /// Σ over the last forward's batch of KL(q ‖ N(0, I)), in nats.
    public private(set) var klSum: Double = 0

    public init(latent: Int) { self.latent = latent }

    public var description: String { "VAESampler(2×\(latent)→\(latent))" }

    /// Per-sample KL of the last forward pass.
    public var klPerSample: [Float] { Array(UnsafeBufferPointer(start: klRows.pointer, count: input?.batch ?? 0)) }

    public func outputDims(for input: Dims) throws -> Dims {
        guard input.count == 2 * latent else {
            throw NetworkError("\(description) needs 2 × \(latent) = \(2 * latent) inputs (μ and log σ²), got \(input)")
        }
        return .features(latent)
    }

    public func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool) throws {
        _ = try outputDims(for: input)
        capacity = maxBatch * latent
        output = Buffer(count: capacity)
        noise = Buffer(count: capacity)
        inputGrad = Buffer(count: maxBatch * 2 * latent)
        klRows = Buffer(count: maxBatch)
    }

    /// Seed of the ε stream: the run seed mixed with a constant so ε is independent of dropout and input noise.
    static func noiseSeed(_ seed: UInt64) -> UInt64 { (seed ^ 0x7661_655F_6570_73) &* 0x9E37_79B9_7F4A_7C15 }

    public func forward(_ x: Tensor, context: PassContext, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        let b = x.batch, z = output.tensor(batch: b, dims: .features(latent))
        sampled = context.training || samplesInEvaluation
        if sampled {
            ck_random_normal(noise.pointer, Int64(b * latent), Self.noiseSeed(context.seed),
                             context.step &* UInt64(capacity) &+ UInt64(context.firstRow * latent), 0, 1)
        }
        klSum = ck_vae_forward(z.data, klRows.pointer, x.data, sampled ? noise.pointer : nil, Int64(b), Int64(latent))
        input = x
        return z
    }

    public func backward(_ dy: Tensor, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        let x = input!
        let dx = inputGrad.tensor(batch: dy.batch, dims: x.dims)
        ck_vae_backward(dx.data, dy.data, x.data, sampled ? noise.pointer : nil, Int64(dy.batch), Int64(latent), klWeight)
        return dx
    }
}

extension Model {
    /// The sampling head of a VAE (the encoder's last layer), nil for other models.
    public var vaeSampler: VAESampler? { encoder?.layers.last as? VAESampler }
}
