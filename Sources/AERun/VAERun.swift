import AEData
import AENet

/// The VAE's objective terms in run files, in explicit units. A VAE trains on a per-image objective
/// (reconstruction summed over the pixels + β·KL; nats for BCE), while `/metrics/<split>` `loss` is the mean
/// reconstruction loss per pixel like every autoencoder's, so both are stored and each says which it is.
extension H5File {
    /// What `/history/train_loss` and `val_loss` measure for runs of `model`.
    static func historyLossUnit(_ model: ModelConfig) -> String {
        if model.isVAE { return "per image: reconstruction summed over pixels + beta*KL (negative ELBO when beta = 1; nats for BCE)" }
        return model.isAutoencoder ? "per pixel: mean reconstruction loss" : "per image: mean softmax cross-entropy (nats)"
    }

    /// Labels the history's loss columns and, for VAEs, stores the validation objective's terms of epoch `epoch` as
    /// `/history/val_neg_elbo`, `val_reconstruction`, `val_kl` (per image), one row per epoch.
    func writeVAEHistory(_ objective: VAEObjective?, epoch: Int, model: ModelConfig) throws {
        try setAttribute("loss_unit", string: Self.historyLossUnit(model), at: "/history")
        guard let o = objective else { return }
        for (name, value) in [("val_neg_elbo", o.reconstruction + o.kl), ("val_reconstruction", o.reconstruction), ("val_kl", o.kl)] {
            let column = "/history/\(name)"
            // Rows of epochs after `epoch - 1` belong to a session that was interrupted before its checkpoint.
            let earlier = isDataset(column) ? Array(try readDoubles(column).values.prefix(epoch - 1)) : []
            let rows = earlier + [Double](repeating: .nan, count: epoch - 1 - earlier.count) + [value]
            try write(column, doubles: rows, shape: [rows.count])
        }
    }

    /// Labels `/metrics/<split>` `loss` and, for VAEs, adds attributes `neg_elbo` (β = 1), `reconstruction`, `kl` and
    /// `objective` (with the run's β), all per image.
    func writeVAEMetrics(_ objective: VAEObjective?, split: String, model: ModelConfig) throws {
        let g = "/metrics/\(split)"
        let unit = model.isAutoencoder ? "per pixel: mean reconstruction loss" : "per image: mean softmax cross-entropy (nats)"
        try setAttribute("loss_unit", string: unit, at: g)
        guard let o = objective else { return }
        try setAttribute("vae_unit", string: "per image (reconstruction summed over pixels; nats for BCE)", at: g)
        try setAttribute("neg_elbo", double: o.reconstruction + o.kl, at: g)
        try setAttribute("reconstruction", double: o.reconstruction, at: g)
        try setAttribute("kl", double: o.kl, at: g)
        try setAttribute("objective", double: o.objective, at: g)
    }
}
