import CKernels

/// Optimiser updates, one fused pass over a parameter buffer (PyTorch semantics, see ck_optim.h). All buffers
/// of one call have the parameter's size; a mismatch traps.
public enum Optim {
    /// SGD: g' = g + weightDecay · w; with momentum v = momentum · v + g' and step = v, else step = g';
    /// w -= lr · step. `velocity` may be nil only when momentum == 0.
    public static func sgdStep(_ w: UnsafeMutableBufferPointer<Float>, velocity: UnsafeMutableBufferPointer<Float>?,
                               grad g: UnsafeBufferPointer<Float>, lr: Float, momentum: Float = 0, weightDecay: Float = 0) {
        precondition(momentum == 0 || velocity != nil, "SGD with momentum needs a velocity buffer")
        let n = Loss.check(w.count, g.count, velocity?.count ?? w.count)
        ck_sgd_step(w.baseAddress, velocity?.baseAddress, g.baseAddress, n, lr, momentum, weightDecay)
    }

    /// Adam (decoupled == false: weight decay added to the gradient) or AdamW (decoupled: w *= 1 - lr · wd
    /// first). `step` counts from 1.
    public static func adamStep(_ w: UnsafeMutableBufferPointer<Float>, m: UnsafeMutableBufferPointer<Float>,
                                v: UnsafeMutableBufferPointer<Float>, grad g: UnsafeBufferPointer<Float>,
                                lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                                weightDecay: Float = 0, step: Int, decoupled: Bool = false) {
        precondition(step >= 1, "Adam steps count from 1")
        let n = Loss.check(w.count, m.count, v.count, g.count)
        ck_adam_step(w.baseAddress, m.baseAddress, v.baseAddress, g.baseAddress, n, lr, beta1, beta2, eps,
                     weightDecay, Int64(step), decoupled ? 1 : 0)
    }
}
