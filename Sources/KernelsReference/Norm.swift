import RealModule

/// Twin of the batch-norm kernels in ck_norm.h, computed straight from the definitions (x̂ is stored, the
/// backward is the textbook formula). Generic so tests can run it in Double for finite differences.
extension Reference {
    /// Training forward over (batch, channels, plane), each run of `group` samples normalised on its own. Returns y,
    /// the per-(group, channel) mean and 1/√(var + ε), and the running statistics after one update per group.
    @inlinable public static func batchNormForward<T: Real & BinaryFloatingPoint>(
        _ x: [T], gamma: [T], beta: [T], batch: Int, channels: Int, plane: Int, group: Int,
        runningMean: [T], runningVariance: [T], epsilon: T = 1e-5, momentum: T = 0.1
    ) -> (y: [T], mean: [T], invstd: [T], runningMean: [T], runningVariance: [T]) {
        var y = [T](repeating: 0, count: x.count), mean = [T](), invstd = [T]()
        var rm = runningMean, rv = runningVariance
        for samples in groupRanges(batch: batch, group: group) {
            for c in 0..<channels {
                let values = samples.flatMap { n in (0..<plane).map { x[(n * channels + c) * plane + $0] } }
                let m = T(values.count), mu = values.reduce(0, +) / m
                let variance = values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / m
                let s = 1 / T.sqrt(variance + epsilon)
                mean.append(mu)
                invstd.append(s)
                for n in samples { for p in 0..<plane {
                    let i = (n * channels + c) * plane + p
                    y[i] = gamma[c] * (x[i] - mu) * s + beta[c]
                } }
                rm[c] = (1 - momentum) * rm[c] + momentum * mu
                rv[c] = (1 - momentum) * rv[c] + momentum * (m > 1 ? variance * m / (m - 1) : variance)
            }
        }
        return (y, mean, invstd, rm, rv)
    }

    /// Evaluation forward: y = γ (x − running mean) / √(running var + ε) + β.
    @inlinable public static func batchNormEvaluation<T: Real & BinaryFloatingPoint>(
        _ x: [T], gamma: [T], beta: [T], runningMean: [T], runningVariance: [T], channels: Int, plane: Int, epsilon: T = 1e-5
    ) -> [T] {
        x.indices.map { i in
            let c = (i / plane) % channels
            return gamma[c] * (x[i] - runningMean[c]) / T.sqrt(runningVariance[c] + epsilon) + beta[c]
        }
    }

    /// Backward of the training forward: dx = γ/σ (dy − mean(dy) − x̂ mean(dy x̂)) per group, dγ = Σ dy x̂, dβ = Σ dy.
    @inlinable public static func batchNormBackward<T: Real & BinaryFloatingPoint>(
        dy: [T], _ x: [T], gamma: [T], batch: Int, channels: Int, plane: Int, group: Int, epsilon: T = 1e-5
    ) -> (dx: [T], dgamma: [T], dbeta: [T]) {
        var dx = [T](repeating: 0, count: x.count), dgamma = [T](repeating: 0, count: channels), dbeta = dgamma
        for samples in groupRanges(batch: batch, group: group) {
            for c in 0..<channels {
                let idx = samples.flatMap { n in (0..<plane).map { (n * channels + c) * plane + $0 } }
                let m = T(idx.count), mu = idx.reduce(0) { $0 + x[$1] } / m
                let s = 1 / T.sqrt(idx.reduce(0) { $0 + (x[$1] - mu) * (x[$1] - mu) } / m + epsilon)
                let xhat = idx.map { (x[$0] - mu) * s }
                let meanDy = idx.reduce(0) { $0 + dy[$1] } / m
                let meanDyXhat = zip(idx, xhat).reduce(0) { $0 + dy[$1.0] * $1.1 } / m
                for (i, xh) in zip(idx, xhat) {
                    dx[i] = gamma[c] * s * (dy[i] - meanDy - xh * meanDyXhat)
                    dgamma[c] += dy[i] * xh
                    dbeta[c] += dy[i]
                }
            }
        }
        return (dx, dgamma, dbeta)
    }

    /// The sample ranges of the normalisation groups (one range when group >= batch).
    @inlinable public static func groupRanges(batch: Int, group: Int) -> [Range<Int>] {
        let size = group < 1 || group >= batch ? max(batch, 1) : group
        return stride(from: 0, to: batch, by: size).map { $0..<min(batch, $0 + size) }
    }
}
