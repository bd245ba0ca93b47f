import AEData
import AENet
import Foundation

extension GANRun {
    /// The stored history of the GAN run at `path` (empty before the first epoch ends).
    public static func history(at path: String) throws -> [GANEpochRecord] {
        try RunFile.read(at: path) { try $0.readGANHistory() }
    }

    /// The fixed-noise grid of the last epoch that saved one, nil when none has.
    public static func lastSamples(at path: String) throws -> (epoch: Int, images: [Float], dims: Dims)? {
        try RunFile.read(at: path) { f in
            guard f.exists("/samples") else { return nil }
            let epochs = try f.children(of: "/samples").compactMap { Int($0.dropFirst("epoch_".count)) }
            guard let e = epochs.max() else { return nil }
            let (v, shape) = try f.readFloats("/samples/epoch_\(e)")
            guard shape.count == 4 else { throw RunError("\(path): /samples/epoch_\(e) has shape \(shape), expected N×C×H×W") }
            return (e, v, Dims(shape[1], shape[2], shape[3]))
        }
    }
}

/// The Markdown report of a GAN run: configuration, history (losses and D outputs) and stored scores.
enum GANReport {
    static func markdown(path: String, figures: [(String, String)]) throws -> String {
        try RunFile.read(at: path) { f in
            let spec = try f.readGANSpec(), g = spec.gan, history = try f.readGANHistory()
            var out = "# GAN run `\((path as NSString).lastPathComponent)`\n\n| | |\n|---|---|\n"
            let rows: [(String, String)] = [
                ("model", "\(g.architecture.rawValue), image \(g.image), noise \(g.noise), hidden \(g.resolvedHidden.map(String.init).joined(separator: "-"))"
                    + (g.generatorHidden.isEmpty ? "" : " (G \(g.generatorHidden.map(String.init).joined(separator: "-")))") + ", "
                    + GANConfig.name(of: g.activation)),
                ("dataset", spec.dataset + (spec.trainLimit.map { ", \($0) training images" } ?? "")),
                ("training", "adam lr \(g.optimizer.learningRate) β1 \(g.optimizer.beta1), \(g.schedule), batch \(g.batchSize), \(g.epochs) epochs, "
                    + "k = \(g.discriminatorSteps) discriminator steps per generator step" + (g.objective == .bce ? "" : ", \(g.objective) loss")),
                ("seed / threads / ISA", "\(g.seed) / \(try f.intAttribute("threads") ?? 0) / \(try f.stringAttribute("isa") ?? "?")"),
                ("status", "\(try f.stringAttribute("status") ?? "?") after \(history.count) epochs"),
            ]
            for (k, v) in rows { out += "| \(k) | \(v) |\n" }
            out += "\n## Sample scores\n\n"
            if f.exists("/score") {
                out += "| name | samples | classifier score | mean max-prob | class entropy (nats) | nearest PSNR (dB) | classifier |\n"
                out += "|---|---|---|---|---|---|---|\n"
                for name in try f.children(of: "/score") {
                    let s = "/score/\(name)"
                    func number(_ key: String, _ format: String) throws -> String {
                        guard let v = try f.doubleAttribute(key, at: s), v.isFinite else { return "–" }
                        return String(format: format, v)
                    }
                    out += "| \(name) | \(try f.intAttribute("count", at: s) ?? 0) | \(try number("classifier_score", "%.3f")) "
                        + "| \(try number("mean_max_probability", "%.4f")) | \(try number("class_entropy", "%.4f")) "
                        + "| \(try number("nearest_psnr_mean", "%.2f")) | \(try f.stringAttribute("classifier", at: s) ?? "") |\n"
                }
            } else {
                out += "None yet (`ae score \((path as NSString).lastPathComponent) --classifier CLF.h5`).\n"
            }
            out += "\n## History\n\n"
            if history.isEmpty { out += "No completed epochs.\n" } else {
                out += "| epoch | D loss | G loss | D(x) | D(G(z)) | s | img/s |\n|---|---|---|---|---|---|---|\n"
                for r in history {
                    out += String(format: "| %d | %.4f | %.4f | %.3f | %.3f | %.1f | %.0f |\n", r.epoch, r.discriminatorLoss,
                                  r.generatorLoss, r.realScore, r.fakeScore, r.seconds, r.imagesPerSecond)
                }
            }
            for (caption, png) in figures { out += "\n![\(caption)](\(png))\n" }
            return out
        }
    }
}
