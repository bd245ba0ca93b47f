import AENet
import AERun
import Foundation

/// Training progress: a live one-line bar on a terminal, plain log lines per epoch otherwise (CI, pipes).
final class ProgressReporter {
    let live = isatty(STDERR_FILENO) != 0
    private var lastDraw = 0.0
    private let autoencoder: Bool
    private let start = Date()

    init(autoencoder: Bool) { self.autoencoder = autoencoder }

    var observer: TrainingRun.Observer {
        TrainingRun.Observer(onStep: live ? { [unowned self] in self.step($0) } : nil,
                             onEpoch: { [unowned self] in self.epoch($0) }, onStalled: { print($0) })
    }

    func step(_ p: StepProgress) {
        let now = Date().timeIntervalSince(start)
        guard now - lastDraw > 0.1 || p.step == p.steps else { return }
        lastDraw = now
        let fraction = Double(p.step) / Double(p.steps)
        let width = 24, filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let eta = p.secondsInEpoch / max(fraction, 1e-9) * (1 - fraction)
        let line = String(format: "epoch %d/%d %@ %d/%d loss %.5f %6.0f img/s ETA %@", p.epoch, p.epochs,
                          bar as NSString, p.step, p.steps, p.loss, p.imagesPerSecond, duration(eta) as NSString)
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    private func epoch(_ r: EpochRecord) {
        if live { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        var line = String(format: "epoch %3d  train loss %.5f", r.epoch, r.trainLoss)
        if !r.valLoss.isNaN {
            line += String(format: "  val loss %.5f", r.valLoss)
            line += autoencoder ? String(format: "  val PSNR %.2f dB", r.valPSNR) : String(format: "  val acc %.2f%%", 100 * r.valAccuracy)
        }
        line += String(format: "  lr %.3g  %.1f s  %.0f img/s", r.learningRate, r.seconds, r.imagesPerSecond)
        print(line)
        fflush(nil)
    }

    private func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
