import RealModule

/// Twin of the spectral-normalisation kernels in ck_spectral_norm.h, straight from the definitions. Generic so
/// tests can run it in Double for finite differences.
extension Reference {
    /// One power-iteration step from u: v = Wᵀu / ‖Wᵀu‖, t = W v, σ = ‖t‖ (norms floored at 1e-12); returns
    /// W / σ, the next u = t / σ, v and σ. W is rows × cols, row-major.
    @inlinable public static func spectralNormForward<T: Real & BinaryFloatingPoint>(
        _ w: [T], u: [T], rows: Int, cols: Int
    ) -> (wSN: [T], u: [T], v: [T], sigma: T) {
        var v = (0..<cols).map { j in (0..<rows).reduce(T(0)) { $0 + u[$1] * w[$1 * cols + j] } }
        let vNorm = max(T.sqrt(v.reduce(0) { $0 + $1 * $1 }), T(1e-12))
        v = v.map { $0 / vNorm }
        let t = (0..<rows).map { i in (0..<cols).reduce(T(0)) { $0 + w[i * cols + $1] * v[$1] } }
        let sigma = max(T.sqrt(t.reduce(0) { $0 + $1 * $1 }), T(1e-12))
        return (w.map { $0 / sigma }, t.map { $0 / sigma }, v, sigma)
    }

    /// dL/dW of L(W / σ) with u and v held constant (σ = uᵀ W v, ∂σ/∂W = u vᵀ), given g = dL/dW_sn:
    /// (g − ⟨g, W_sn⟩ u vᵀ) / σ.
    @inlinable public static func spectralNormBackward<T: Real & BinaryFloatingPoint>(
        _ g: [T], wSN: [T], u: [T], v: [T], sigma: T, rows: Int, cols: Int
    ) -> [T] {
        let dot = zip(g, wSN).reduce(T(0)) { $0 + $1.0 * $1.1 }
        return g.indices.map { k in (g[k] - dot * u[k / cols] * v[k % cols]) / sigma }
    }
}
