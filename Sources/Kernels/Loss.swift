import CKernels

/// Losses fused with their gradients (see ck_loss.h). `grad`, when given, is overwritten with
/// d(loss)/d(input) × `gradScale`; pass nil to compute the loss only. Loss values are reduced in double over
/// fixed chunks, so they are bitwise identical for any thread count. Size mismatches trap.
public enum Loss {
    @inline(__always)
    static func check(_ counts: Int...) -> Int64 {
        precondition(counts.allSatisfy { $0 == counts[0] }, "buffer sizes differ: \(counts)")
        return Int64(counts[0])
    }

    /// Mean of (y - t)²; grad = gradScale · 2 (y - t) / n.
    public static func mse(grad: UnsafeMutableBufferPointer<Float>?, _ y: UnsafeBufferPointer<Float>,
                           target t: UnsafeBufferPointer<Float>, gradScale: Float = 1) -> Float {
        ck_mse_loss(grad?.baseAddress, y.baseAddress, t.baseAddress, check(y.count, t.count, grad?.count ?? y.count), gradScale)
    }

    /// out[b] = mean over d of (y[b, d] - t[b, d])², for y and t of shape (batch, dim).
    public static func msePerSample(_ out: UnsafeMutableBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
                                    target t: UnsafeBufferPointer<Float>, batch: Int, dim: Int) {
        precondition(out.count == batch && y.count == batch * dim && t.count == batch * dim,
                     "mse per sample: out \(out.count), y \(y.count), t \(t.count) for \(batch)x\(dim)")
        ck_mse_per_sample(out.baseAddress, y.baseAddress, t.baseAddress, Int64(batch), Int64(dim))
    }

    /// Binary cross-entropy on probabilities (clamped to [1e-7, 1 - 1e-7]).
    public static func bce(grad: UnsafeMutableBufferPointer<Float>?, _ p: UnsafeBufferPointer<Float>,
                           target t: UnsafeBufferPointer<Float>, gradScale: Float = 1) -> Float {
        ck_bce_loss(grad?.baseAddress, p.baseAddress, t.baseAddress, check(p.count, t.count, grad?.count ?? p.count), gradScale)
    }

    /// Binary cross-entropy on logits, stable for any z; grad = gradScale · (sigmoid(z) - t) / n.
    public static func bceWithLogits(grad: UnsafeMutableBufferPointer<Float>?, _ z: UnsafeBufferPointer<Float>,
                                     target t: UnsafeBufferPointer<Float>, gradScale: Float = 1) -> Float {
        ck_bce_logits_loss(grad?.baseAddress, z.baseAddress, t.baseAddress, check(z.count, t.count, grad?.count ?? z.count), gradScale)
    }

    /// GAN hinge loss of the discriminator: mean of max(0, 1 − t z) for targets t = ±1 (real +1, fake −1);
    /// grad = gradScale · (−t) / n where 1 − t z > 0, else 0.
    public static func hinge(grad: UnsafeMutableBufferPointer<Float>?, _ z: UnsafeBufferPointer<Float>,
                             target t: UnsafeBufferPointer<Float>, gradScale: Float = 1) -> Float {
        ck_hinge_loss(grad?.baseAddress, z.baseAddress, t.baseAddress, check(z.count, t.count, grad?.count ?? z.count), gradScale)
    }

    /// The hinge objective's generator loss −mean(z) over D's logits of fakes; grad = −gradScale / n.
    public static func hingeGenerator(grad: UnsafeMutableBufferPointer<Float>?, _ z: UnsafeBufferPointer<Float>, gradScale: Float = 1) -> Float {
        ck_hinge_generator_loss(grad?.baseAddress, z.baseAddress, check(z.count, z.count, grad?.count ?? z.count), gradScale)
    }

    /// Mean over the batch of -log softmax(logits)[label]; logits (batch, classes). `probs` receives the
    /// softmax; grad = gradScale · (softmax - onehot) / batch. Returns NaN (outputs untouched) if a label is
    /// outside [0, classes).
    public static func softmaxCrossEntropy(grad: UnsafeMutableBufferPointer<Float>?, probs: UnsafeMutableBufferPointer<Float>?,
                                           logits: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<Int32>,
                                           classes: Int, gradScale: Float = 1) -> Float {
        let batch = labels.count
        precondition(classes > 0 && logits.count == batch * classes, "logits \(logits.count) for \(batch)x\(classes)")
        precondition((grad?.count ?? logits.count) == logits.count && (probs?.count ?? logits.count) == logits.count,
                     "grad/probs must have batch x classes elements")
        return ck_softmax_cross_entropy(grad?.baseAddress, probs?.baseAddress, logits.baseAddress, labels.baseAddress,
                                        Int64(batch), Int64(classes), gradScale)
    }

    /// λ Σ|z|; ACCUMULATES λ sign(z) into `grad` (sign(0) = 0).
    public static func l1Penalty(grad: UnsafeMutableBufferPointer<Float>?, _ z: UnsafeBufferPointer<Float>, lambda: Float) -> Float {
        ck_l1_penalty(grad?.baseAddress, z.baseAddress, check(z.count, grad?.count ?? z.count), lambda)
    }
}
