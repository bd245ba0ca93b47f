import AEData
import AENet
import Foundation

/// A Markdown report of a run file: what was trained, how training went, and the stored metrics.
public enum RunReport {
    /// Renders the report of the run at `path`. `figures` are (caption, relative PNG path) pairs to embed.
    public static func markdown(path: String, figures: [(String, String)] = []) throws -> String {
        try RunFile.read(at: path) { f in
            let spec = try f.readRunSpec()
            let history = try f.readHistory()
            var out = "# Run `\((path as NSString).lastPathComponent)`\n\n"
            out += "| | |\n|---|---|\n"
            let m = spec.model, t = spec.train
            let rows: [(String, String)] = [
                ("model", "\(m.kind.rawValue), input \(m.input), " + (m.isAutoencoder ? "latent \(m.latent)" : "\(m.classes) classes")
                    + (!m.resolvedHidden.isEmpty ? ", hidden \(m.resolvedHidden.map(String.init).joined(separator: "-"))" : "")
                    + ", \(m.activation.rawValue)" + (m.dropout > 0 ? ", dropout \(m.dropout)" : "")),
                ("dataset", spec.dataset + (spec.trainLimit.map { ", \($0) training images" } ?? "")
                    + String(format: ", %.0f%% validation", 100 * spec.validationFraction)),
                ("training", "\(t.optimizer.kind.rawValue) lr \(t.optimizer.learningRate), \(t.schedule), batch \(t.batchSize), "
                    + "\(t.epochs) epochs, loss \(t.loss.rawValue)" + (t.l1 > 0 ? ", L1 \(t.l1)" : "")
                    + (t.optimizer.weightDecay > 0 ? ", weight decay \(t.optimizer.weightDecay)" : "")
                    + (t.noise > 0 ? ", denoising σ \(t.noise)" : "") + (t.patience.map { ", patience \($0)" } ?? "")),
                ("seed / threads / ISA", "\(t.seed) / \(try f.intAttribute("threads") ?? 0) / \(try f.stringAttribute("isa") ?? "?")"),
                ("status", "\(try f.stringAttribute("status") ?? "?") after \(history.count) epochs"),
            ]
            for (k, v) in rows { out += "| \(k) | \(v) |\n" }
            out += "\n## Metrics\n\n" + (try metricsTable(f))
            out += "\n## History\n\n" + historyTable(history, autoencoder: m.isAutoencoder)
            if m.isVAE { out += "\nLosses are per image: −ELBO = reconstruction summed over the pixels + β·KL (nats for BCE).\n" }
            for (caption, png) in figures { out += "\n![\(caption)](\(png))\n" }
            return out
        }
    }

    static func metricsTable(_ f: H5File) throws -> String {
        guard f.exists("/metrics") else { return "No metrics yet (`ae eval`).\n" }
        var out = "| split | dataset | corruption | loss | PSNR (dB) | accuracy |\n|---|---|---|---|---|---|\n"
        for name in try f.children(of: "/metrics") {
            let g = "/metrics/\(name)"
            func number(_ key: String, _ format: String, scale: Double = 1) throws -> String {
                guard let v = try f.doubleAttribute(key, at: g), !v.isNaN else { return "–" }
                return String(format: format, v * scale)
            }
            let psnr = try f.doubleAttribute("psnr_mean", at: g).map { _ in
                try number("psnr_mean", "%.2f") + " ± " + number("psnr_std", "%.2f")
            } ?? "–"
            out += "| \(name) | \(try f.stringAttribute("dataset", at: g) ?? "") | \(try f.stringAttribute("corruption", at: g) ?? "") "
                + "| \(try number("loss", "%.5f"))\(try f.doubleAttribute("neg_elbo", at: g).map { String(format: " (−ELBO %.2f per image)", $0) } ?? "") | \(psnr) | \(try number("accuracy", "%.2f%%", scale: 100)) |\n"
        }
        return out
    }

    static func historyTable(_ history: [EpochRecord], autoencoder: Bool) -> String {
        guard !history.isEmpty else { return "No completed epochs.\n" }
        var out = "| epoch | train loss | val loss | \(autoencoder ? "val PSNR (dB)" : "val accuracy") | lr | s | img/s |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for r in history {
            let quality = autoencoder ? String(format: "%.2f", r.valPSNR) : String(format: "%.2f%%", 100 * r.valAccuracy)
            out += String(format: "| %d | %.5f | %.5f | ", r.epoch, r.trainLoss, r.valLoss) + quality
                + String(format: " | %.2g | %.1f | %.0f |\n", r.learningRate, r.seconds, r.imagesPerSecond)
        }
        return out
    }

    /// Writes the report next to the run (`runs/x.h5` → `runs/x.md`) via a temporary file; returns its path.
    @discardableResult
    public static func write(runPath: String, to reportPath: String? = nil, figures: [(String, String)] = []) throws -> String {
        let out = reportPath ?? ((runPath as NSString).deletingPathExtension + ".md")
        let text = try GANRun.isGANRun(runPath) ? GANReport.markdown(path: runPath, figures: figures)
                                                : markdown(path: runPath, figures: figures)
        try writeTextAtomically(text, to: out)
        return out
    }
}
