import CKernels

/// The terms of a VAE's objective on an image set, per image (nats for BCE): reconstruction summed over the
/// pixels, KL(q(z|x) ‖ N(0, I)), and objective = reconstruction + β·KL (the negative ELBO when β = 1).
public struct VAEObjective: Sendable, Equatable {
    public var reconstruction: Double
    public var kl: Double
    public var beta: Double
    public var objective: Double { reconstruction + beta * kl }
}

extension Trainer {
    /// The VAE objective on `set` with the configured β (no warm-up), one reparameterised sample per image: ε
    /// comes from a validation stream of the run seed at (batch index), so the value is reproducible and does not
    /// depend on the training step. Evaluation mode otherwise (no dropout). Requires a VAE model.
    public func vaeObjective(_ set: ImageSet) -> VAEObjective {
        guard let sampler = model.vaeSampler, let encoder = model.encoder, let decoder = model.decoder else {
            preconditionFailure("vaeObjective needs a VAE model, got \(model.config.kind)")
        }
        sampler.samplesInEvaluation = true
        defer { sampler.samplesInEvaluation = false }
        let batchSize = encoder.maxBatch, d = set.dims.count
        let input = Buffer(count: batchSize * d)
        var reconstruction = 0.0, kl = 0.0
        for (k, start) in stride(from: 0, to: set.count, by: batchSize).enumerated() {
            let indices = Array(start..<min(set.count, start + batchSize))
            let b = indices.count
            set.gather(indices[...], into: input.pointer)
            let context = PassContext(training: false, seed: config.seed ^ 0x7661_6C69_64, step: UInt64(k))
            let y = decoder.forward(encoder.forward(input.tensor(batch: b, dims: set.dims), context: context), context: context)
            reconstruction += Double(reconstructionLoss(grad: nil, y: y.data, target: input.pointer, count: b * d)) * Double(b * d)
            kl += sampler.klSum
        }
        let n = Double(max(set.count, 1))
        return VAEObjective(reconstruction: reconstruction / n, kl: kl / n, beta: Double(config.beta))
    }
}
