import CKernels

/// Spectral normalisation kernels (see ck_spectral_norm.h): W_sn = W / σ for a weight read as a rows × cols
/// matrix, σ from one power-iteration step per training forward. Size mismatches trap.
public enum SpectralNormKernel {
    @inline(__always)
    static func check(_ w: Int, _ u: Int, _ v: Int, rows: Int, cols: Int) {
        precondition(rows >= 1 && cols >= 1 && w == rows * cols && u == rows && v == cols,
                     "spectral norm: w \(w), u \(u), v \(v) for a \(rows) × \(cols) weight")
    }

    /// v = Wᵀu / ‖Wᵀu‖, σ = ‖W v‖, wSN = w / σ; `updateU` (training): u ← W v / σ. Returns σ.
    @discardableResult
    public static func forward(wSN: UnsafeMutableBufferPointer<Float>, u: UnsafeMutableBufferPointer<Float>,
                               v: UnsafeMutableBufferPointer<Float>, w: UnsafeBufferPointer<Float>,
                               rows: Int, cols: Int, updateU: Bool) -> Float {
        check(w.count, u.count, v.count, rows: rows, cols: cols)
        precondition(wSN.count == w.count, "spectral norm: wSN has \(wSN.count) floats, w \(w.count)")
        return ck_spectral_norm_forward(wSN.baseAddress, u.baseAddress, v.baseAddress, w.baseAddress, Int64(rows),
                                        Int64(cols), updateU ? 1 : 0)
    }

    /// In place: `grad` = dL/dwSN on entry, dL/dw = (g − ⟨g, wSN⟩ u vᵀ) / σ on return (u, v held constant). u, v,
    /// σ and wSN must come from a forward with `updateU`.
    public static func backward(grad: UnsafeMutableBufferPointer<Float>, wSN: UnsafeBufferPointer<Float>,
                                u: UnsafeBufferPointer<Float>, v: UnsafeBufferPointer<Float>, sigma: Float,
                                rows: Int, cols: Int) {
        check(grad.count, u.count, v.count, rows: rows, cols: cols)
        precondition(wSN.count == grad.count, "spectral norm: wSN has \(wSN.count) floats, grad \(grad.count)")
        ck_spectral_norm_backward(grad.baseAddress, wSN.baseAddress, u.baseAddress, v.baseAddress, sigma, Int64(rows), Int64(cols))
    }
}
