import RealModule

/// Twins of the optimiser updates in ck_optim.h, written as the header's formulas (not as the C kernel's
/// operation order), so they check the semantics rather than copy the implementation.
extension Reference {
    /// One SGD step; returns (w, v). `v` is ignored and returned unchanged when momentum == 0.
    @inlinable public static func sgdStep<T: Real>(w: [T], v: [T], g: [T], lr: T, momentum: T, weightDecay: T) -> (w: [T], v: [T]) {
        var w = w, v = v
        for i in w.indices {
            var step = g[i] + weightDecay * w[i]
            if momentum != 0 {
                v[i] = momentum * v[i] + step
                step = v[i]
            }
            w[i] -= lr * step
        }
        return (w, v)
    }

    /// One Adam (decoupled == false) or AdamW step at `step` (from 1); returns (w, m, v).
    @inlinable public static func adamStep<T: Real>(w: [T], m: [T], v: [T], g: [T], lr: T, beta1: T, beta2: T, eps: T,
                                                    weightDecay: T, step: Int, decoupled: Bool) -> (w: [T], m: [T], v: [T]) {
        var w = w, m = m, v = v
        let bc1 = 1 - T.pow(beta1, step), bc2 = 1 - T.pow(beta2, step)
        for i in w.indices {
            var gp = g[i]
            if decoupled { w[i] -= lr * weightDecay * w[i] } else { gp += weightDecay * w[i] }
            m[i] = beta1 * m[i] + (1 - beta1) * gp
            v[i] = beta2 * v[i] + (1 - beta2) * gp * gp
            w[i] -= lr * (m[i] / bc1) / (T.sqrt(v[i] / bc2) + eps)
        }
        return (w, m, v)
    }
}
