import Kernels

/// Spectral normalisation of one layer's weight (Miyato et al. 2018): the layer computes with W / σ(W), σ the
/// largest singular value of W read as a matrix of `rows` (output channels / features) × everything else, so the
/// layer's Lipschitz constant stays near 1 however the optimiser moves W. σ comes from one power-iteration step per
/// training forward, started from the left singular vector `u` of the previous step: `u` is state, saved and
/// restored with the run like batch norm's running statistics, so a resumed run continues the same iteration.
/// The trained parameter stays W itself: the optimiser sees dL/dW, which `projectGradient` derives from dL/dW_sn.
public final class SpectralNormalization {
    public let rows: Int, cols: Int
    /// Left singular vector estimate (rows), a buffer of the layer named "spectral_u".
    public let u: Parameter
    /// Right singular vector of the last forward (cols).
    private let v: Buffer
    /// W / σ, what the layer computes with.
    let normalized: Buffer
    /// σ of the last forward.
    public private(set) var sigma: Float = 1

    init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        u = Parameter(name: "spectral_u", shape: [rows])
        v = Buffer(count: cols)
        normalized = Buffer(count: rows * cols)
    }

    /// A random unit vector for u (its direction only matters through the power iteration).
    func initialize(seed: UInt64) {
        Random.normal(u.value.buffer, seed: seed ^ 0x7370_6563_7472_616C)
        let norm = u.value.buffer.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        for i in 0..<rows { u.value.pointer[i] = Float(Double(u.value.pointer[i]) / max(norm, 1e-12)) }
    }

    /// W / σ for this forward of `weight`; training forwards also advance u by one power-iteration step.
    func normalize(_ weight: Parameter, training: Bool) -> UnsafeMutablePointer<Float> {
        sigma = SpectralNormKernel.forward(wSN: normalized.buffer, u: u.value.buffer, v: v.buffer,
                                           w: UnsafeBufferPointer(weight.value.buffer), rows: rows, cols: cols, updateU: training)
        return normalized.pointer
    }

    /// Turns the gradient the layer's backward wrote for W / σ into the gradient for W (in place), unless the pass
    /// skipped it.
    func projectGradient(_ weight: Parameter) {
        guard weight.wantsGradient else { return }
        SpectralNormKernel.backward(grad: weight.grad.buffer, wSN: UnsafeBufferPointer(normalized.buffer),
                                    u: UnsafeBufferPointer(u.value.buffer), v: UnsafeBufferPointer(v.buffer), sigma: sigma,
                                    rows: rows, cols: cols)
    }
}
