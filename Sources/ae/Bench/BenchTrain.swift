import AENet
import ArgumentParser
import Foundation
import Kernels

/// `ae bench train`: training throughput (images/s) of a model on synthetic data, Adam + MSE, and the
/// process's peak resident memory.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure training throughput (img/s) and peak memory of a model (Adam, MSE, synthetic data).")

    @Option(help: "Model: \(Train.modelNames.joined(separator: ", ")) (GANs: one discriminator + one generator step).")
    var model: String = "cnn3"
    @Option(help: "Batch size.") var batch: Int = 128
    @Option(help: "Latent size.") var latent: Int = 32
    @Option(help: "Hidden widths for mlp/classifier (comma-separated).") var hidden: String = "512,128"
    @Option(help: "Timed training steps (after warm-up).") var steps: Int = 50
    @Option(help: "Untimed warm-up steps.") var warmup: Int = 5
    @Option(help: "Repeat the timing this many times and report the median.") var repeats: Int = 3
    @OptionGroup var kernel: KernelOptions
    @Flag(help: "Print one JSON line.") var json = false

    func validate() throws {
        guard ModelConfig.Kind(name: model) != nil || GANConfig.Architecture(rawValue: model) != nil else {
            throw ValidationError("--model must be one of \(Train.modelNames.joined(separator: ", ")), got '\(model)'")
        }
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be in 1...100000, got \(batch)") }
        guard (1...100_000).contains(steps), (0...10_000).contains(warmup), (1...100).contains(repeats) else {
            throw ValidationError("--steps, --warmup and --repeats must be positive and reasonable")
        }
        _ = try parseHidden(hidden)
    }

    func run() throws {
        try kernel.apply()
        // Synthetic images: enough distinct batches that the data is not cache-resident.
        let images = 8 * batch, dims = Dims(1, 28, 28)
        var pixels = [Float](repeating: 0, count: images * dims.count)
        pixels.withUnsafeMutableBufferPointer { Random.uniform($0, seed: 1) }
        let set = ImageSet(images: pixels, labels: (0..<images).map { Int32($0 % 10) }, dims: dims)
        let step: (Range<Int>) -> Void, parameters: Int
        if let architecture = GANConfig.Architecture(rawValue: model) {
            // The issue's pair (default widths / channels), noise = --latent, Adam lr 2e-4 β1 0.5.
            var c = GANConfig(architecture: architecture)
            c.noise = latent
            c.batchSize = batch
            let trainer = try GANTrainer(gan: try GAN(c), train: set)
            (step, parameters) = ({ _ = trainer.benchmarkStep(indices: $0) }, trainer.gan.parameterCount)
        } else {
            let config = ModelConfig(kind: ModelConfig.Kind(name: model)!, latent: latent, hidden: try parseHidden(hidden), classes: 10)
            var train = TrainConfig()
            train.batchSize = batch
            train.optimizer = OptimizerConfig(kind: .adam, learningRate: 1e-3)
            let trainer = try Trainer(model: try Model(config), config: train, train: set, validation: nil)
            (step, parameters) = ({ _ = trainer.benchmarkStep(indices: $0) }, trainer.model.parameterCount)
        }
        let batches = images / batch
        var done = 0
        func runSteps(_ n: Int) {
            for _ in 0..<n {
                let start = (done % batches) * batch
                step(start..<(start + batch))
                done += 1
            }
        }
        runSteps(warmup)
        var rates: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            runSteps(steps)
            rates.append(Double(steps * batch) / (Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9))
        }
        rates.sort()
        let median = rates[rates.count / 2], rssMB = Double(peakResidentBytes()) / 1_048_576
        if json {
            print("{\"model\":\"\(model)\",\"batch\":\(batch),\"latent\":\(latent),\"threads\":\(KernelRuntime.threads),\"isa\":\"\(KernelRuntime.isa)\",\"images_per_second\":\(median),\"peak_rss_mb\":\(rssMB),\"parameters\":\(parameters)}")
        } else {
            print("\(model) latent \(latent), batch \(batch), \(KernelRuntime.threads) threads, \(KernelRuntime.isa): "
                  + String(format: "%.0f img/s (median of %d × %d steps), peak RSS %.0f MB, %d parameters",
                           median, repeats, steps, rssMB, parameters))
        }
    }
}

/// Comma-separated layer widths; "" means the model's default. An empty item ("512,,128", ",") is an error rather
/// than silently dropped, so a typo cannot train a different network from the one asked for.
func parseHidden(_ s: String) throws -> [Int] {
    if s.isEmpty { return [] }
    return try s.split(separator: ",", omittingEmptySubsequences: false).map {
        guard let v = Int($0.trimmingCharacters(in: .whitespaces)), v > 0, v <= 100_000 else {
            throw ValidationError("hidden widths must be positive integers, got '\(s)'")
        }
        return v
    }
}

/// Peak resident set size of this process (VmHWM on Linux, ru_maxrss elsewhere).
func peakResidentBytes() -> Int {
    #if os(Linux)
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kb = Int(line.split(separator: " ").dropFirst().first ?? "") {
        return kb * 1024
    }
    #endif
    #if os(Linux)
    return 0
    #else
    var usage = rusage()
    getrusage(RUSAGE_SELF, &usage)
    return usage.ru_maxrss
    #endif
}
