import CKernels

/// The VAE head (see ck_vae.h): reparameterisation z = μ + σ·ε fused with the closed-form
/// KL(N(μ, σ²) ‖ N(0, I)), forward and backward. Each row of `h` holds the encoder's 2·latent outputs, μ first
/// and then log σ². Rows are independent and the KL total adds them in order, so results are bitwise the same
/// for any thread count. Size mismatches trap.
public enum VAEHead {
    @inline(__always)
    static func checkShapes(h: Int, z: Int, eps: Int?, batch: Int, latent: Int) {
        precondition(batch >= 0 && latent >= 1, "batch \(batch), latent \(latent)")
        precondition(h == 2 * batch * latent && z == batch * latent && (eps ?? z) == z,
                     "vae head: h \(h), z \(z), eps \(eps.map(String.init) ?? "nil") for batch \(batch) × latent \(latent)")
    }

    /// z = μ + σ·ε (or z = μ when `eps` is nil), klRows[b] = ½ Σⱼ (μⱼ² + σⱼ² − 1 − log σⱼ²).
    /// Returns Σ_b klRows[b], added in row order in Double.
    @discardableResult
    public static func forward(z: UnsafeMutableBufferPointer<Float>, klRows: UnsafeMutableBufferPointer<Float>,
                               h: UnsafeBufferPointer<Float>, eps: UnsafeBufferPointer<Float>?,
                               batch: Int, latent: Int) -> Double {
        checkShapes(h: h.count, z: z.count, eps: eps?.count, batch: batch, latent: latent)
        precondition(klRows.count == batch, "klRows has \(klRows.count) floats for batch \(batch)")
        return ck_vae_forward(z.baseAddress, klRows.baseAddress, h.baseAddress, eps?.baseAddress, Int64(batch), Int64(latent))
    }

    /// dh (overwritten) = gradient of ⟨dz, z⟩ + klScale · Σ KL with respect to h:
    /// dμ = dz + klScale·μ, d log σ² = ½ (dz·ε·σ + klScale·(σ² − 1)). `eps` must be the forward's.
    public static func backward(dh: UnsafeMutableBufferPointer<Float>, dz: UnsafeBufferPointer<Float>,
                                h: UnsafeBufferPointer<Float>, eps: UnsafeBufferPointer<Float>?,
                                batch: Int, latent: Int, klScale: Float) {
        checkShapes(h: h.count, z: dz.count, eps: eps?.count, batch: batch, latent: latent)
        precondition(dh.count == h.count, "dh has \(dh.count) floats, h \(h.count)")
        ck_vae_backward(dh.baseAddress, dz.baseAddress, h.baseAddress, eps?.baseAddress, Int64(batch), Int64(latent), klScale)
    }
}
