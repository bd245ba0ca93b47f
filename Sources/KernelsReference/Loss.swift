import RealModule

/// Twins of the losses in ck_loss.h: per-element terms in T, sums in Double. Generic so tests can run them in
/// Double for finite differences. Each returns the loss and its gradient (× gradScale).
extension Reference {
    @inlinable static func mean<T: Real & BinaryFloatingPoint>(_ terms: [T]) -> Double {
        terms.reduce(0.0) { $0 + Double($1) } / Double(terms.count)
    }

    /// mean (y - t)², grad = gradScale · 2 (y - t) / n
    @inlinable public static func mseLoss<T: Real & BinaryFloatingPoint>(_ y: [T], target t: [T], gradScale: T = 1) -> (loss: Double, grad: [T]) {
        let d = zip(y, t).map { $0 - $1 }
        let c = 2 * gradScale / T(y.count)
        return (mean(d.map { $0 * $0 }), d.map { c * $0 })
    }

    /// out[b] = mean over d of (y[b, d] - t[b, d])²
    @inlinable public static func msePerSample<T: Real & BinaryFloatingPoint>(_ y: [T], target t: [T], batch: Int, dim: Int) -> [Double] {
        (0..<batch).map { b in
            let r = b * dim..<(b + 1) * dim
            return mean(zip(y[r], t[r]).map { ($0 - $1) * ($0 - $1) })
        }
    }

    /// BCE on probabilities clamped to [1e-7, 1 - 1e-7]; grad = gradScale (p - t) / (p (1 - p)) / n.
    @inlinable public static func bceLoss<T: Real & BinaryFloatingPoint>(_ p: [T], target t: [T], gradScale: T = 1) -> (loss: Double, grad: [T]) {
        // The bounds as float32 has them (1 - 1e-7 rounds to 1 - 2^-23), so a Double twin clamps like the kernel.
        let lo = T(Float(1e-7)), hi = T(1 - Float(1e-7)), c = gradScale / T(p.count)
        let pc = p.map { min(max($0, lo), hi) }
        let terms = zip(pc, t).map { p, t in -(t * T.log(p) + (1 - t) * T.log(1 - p)) }
        return (mean(terms), zip(pc, t).map { p, t in c * (p - t) / (p * (1 - p)) })
    }

    /// BCE on logits: max(z, 0) - z t + log(1 + exp(-|z|)); grad = gradScale (sigmoid(z) - t) / n.
    @inlinable public static func bceLogitsLoss<T: Real & BinaryFloatingPoint>(_ z: [T], target t: [T], gradScale: T = 1) -> (loss: Double, grad: [T]) {
        let c = gradScale / T(z.count)
        let terms = zip(z, t).map { z, t in max(z, 0) - z * t + T.log(onePlus: T.exp(-abs(z))) }
        let sigmoid = z.map { $0 >= 0 ? 1 / (1 + T.exp(-$0)) : T.exp($0) / (1 + T.exp($0)) }
        return (mean(terms), zip(sigmoid, t).map { c * ($0 - $1) })
    }

    /// GAN hinge loss: mean of max(0, 1 − t z) for t = ±1; grad = gradScale (−t) / n where 1 − t z > 0, else 0.
    @inlinable public static func hingeLoss<T: Real & BinaryFloatingPoint>(_ z: [T], target t: [T], gradScale: T = 1) -> (loss: Double, grad: [T]) {
        let c = gradScale / T(z.count)
        return (mean(zip(z, t).map { max(0, 1 - $1 * $0) }), zip(z, t).map { 1 - $1 * $0 > 0 ? -c * $1 : 0 })
    }

    /// The hinge objective's generator loss −mean(z); grad = −gradScale / n.
    @inlinable public static func hingeGeneratorLoss<T: Real & BinaryFloatingPoint>(_ z: [T], gradScale: T = 1) -> (loss: Double, grad: [T]) {
        (mean(z.map { -$0 }), [T](repeating: -gradScale / T(z.count), count: z.count))
    }

    /// Softmax cross-entropy over rows of `classes` logits; nil when a label is out of range.
    @inlinable public static func softmaxCrossEntropy<T: Real & BinaryFloatingPoint>(
        _ logits: [T], labels: [Int32], classes: Int, gradScale: T = 1
    ) -> (loss: Double, probs: [T], grad: [T])? {
        guard labels.allSatisfy({ $0 >= 0 && Int($0) < classes }) else { return nil }
        let c = gradScale / T(labels.count)
        var probs = [T](), grad = [T](), total = 0.0
        for (b, label) in labels.enumerated() {
            let row = Array(logits[b * classes..<(b + 1) * classes])
            let shift = row.max()!
            let e = row.map { T.exp($0 - shift) }
            let sum = e.reduce(0.0) { $0 + Double($1) }
            total += Double.log(sum) - (Double(row[Int(label)]) - Double(shift))
            let p = e.map { $0 / T(sum) }
            probs += p
            grad += p.indices.map { c * (p[$0] - ($0 == Int(label) ? 1 : 0)) }
        }
        return (total / Double(labels.count), probs, grad)
    }

    /// λ Σ|z| and the accumulated gradient grad + λ sign(z), sign(0) = 0.
    @inlinable public static func l1Penalty<T: Real & BinaryFloatingPoint>(_ z: [T], grad: [T], lambda: T) -> (loss: Double, grad: [T]) {
        (Double(lambda) * z.reduce(0.0) { $0 + Double(abs($1)) },
         zip(z, grad).map { z, g in g + (z > 0 ? lambda : z < 0 ? -lambda : 0) })
    }
}
