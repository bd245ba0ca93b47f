import AEData
import AENet

/// Metrics and latents in the run file.
extension H5File {
    /// `/metrics/<name>`: per-image MSE/PSNR (autoencoders) or predictions, posteriors and the confusion
    /// matrix (classifiers), with summary attributes.
    func writeMetrics(_ r: EvaluationResult, split name: String, labels: [Int32], classes: Int, dataset: String,
                      corruption: String?) throws {
        let g = "/metrics/\(name)"
        try delete(g)
        if !r.psnr.isEmpty {
            try write("\(g)/mse", floats: r.mse, shape: [r.mse.count], compress: true)
            try write("\(g)/psnr", floats: r.psnr, shape: [r.psnr.count], compress: true)
            try setAttribute("mse_mean", double: r.mseMean, at: g)
            try setAttribute("psnr_mean", double: r.psnrMean, at: g)
            try setAttribute("psnr_std", double: r.psnrStd, at: g)
        } else {
            try write("\(g)/predictions", int32s: r.predictions, shape: [r.predictions.count], compress: true)
            try write("\(g)/probabilities", floats: r.probabilities, shape: [r.predictions.count, classes], compress: true)
            let m = r.confusionMatrix(labels: labels, classes: classes)
            try write("\(g)/confusion", int64s: m.flatMap { $0.map(Int64.init) }, shape: [classes, classes])
            try setAttribute("accuracy", double: r.accuracy, at: g)
        }
        try setAttribute("loss", double: r.loss, at: g)
        try setAttribute("dataset", string: dataset, at: g)
        try setAttribute("corruption", string: corruption ?? "none", at: g)
    }

    /// `/latents/<split>`: codes (N × latent), labels and row indices.
    func writeLatents(_ z: [Float], split: String, latent: Int, labels: [Int32]) throws {
        let g = "/latents/\(split)"
        try write("\(g)/z", floats: z, shape: [labels.count, latent], compress: true)
        try write("\(g)/labels", int32s: labels, shape: [labels.count])
        try write("\(g)/indices", int64s: (0..<labels.count).map(Int64.init), shape: [labels.count])
    }
}
