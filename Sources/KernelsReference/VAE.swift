import RealModule

/// Twin of the VAE head in ck_vae.h. Rows of `h` are [μ (latent) | log σ² (latent)]; σ = exp(log σ² / 2) and
/// σ² = σ·σ as the kernel computes them. Generic so tests can run it in Double for finite differences.
extension Reference {
    /// z = μ + σ·ε (ε = 0 when `eps` is nil) and each row's KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ (μ² + σ² − 1 − log σ²),
    /// summed in Double.
    @inlinable public static func vaeForward<T: Real & BinaryFloatingPoint>(
        _ h: [T], eps: [T]?, batch: Int, latent: Int
    ) -> (z: [T], klRows: [Double], kl: Double) {
        var z = [T](), klRows = [Double]()
        for b in 0..<batch {
            var row = 0.0
            for j in 0..<latent {
                let mu = h[2 * b * latent + j], lv = h[(2 * b + 1) * latent + j], s = T.exp(lv / 2)
                z.append(mu + s * (eps?[b * latent + j] ?? 0))
                row += Double((mu * mu + s * s - 1 - lv) / 2)
            }
            klRows.append(row)
        }
        return (z, klRows, klRows.reduce(0, +))
    }

    /// Gradient of ⟨dz, z⟩ + klScale · Σ KL with respect to h: dμ = dz + klScale·μ,
    /// d log σ² = ½ (dz·ε·σ + klScale·(σ² − 1)).
    @inlinable public static func vaeBackward<T: Real & BinaryFloatingPoint>(
        dz: [T], _ h: [T], eps: [T]?, batch: Int, latent: Int, klScale: T
    ) -> [T] {
        var dh = [T](repeating: 0, count: h.count)
        for b in 0..<batch {
            for j in 0..<latent {
                let m = 2 * b * latent + j, v = m + latent, k = b * latent + j, s = T.exp(h[v] / 2)
                dh[m] = dz[k] + klScale * h[m]
                dh[v] = (dz[k] * (eps?[k] ?? 0) * s + klScale * (s * s - 1)) / 2
            }
        }
        return dh
    }
}
