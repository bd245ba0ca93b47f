import AEAnalysis
import AEData
import AENet
import AERun
import ArgumentParser
import Foundation

/// `ae generate RUN.h5`: the decoder as a generator. Decodes z ~ N(0, I) (or a Gaussian fitted on the
/// encoded training set), draws the samples as a grid, reports how close each is to its nearest training
/// image, and stores codes and images under `/generated/<name>` in the run file.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Decode random latent codes into images: grid PNG, PSNR to the nearest training image, samples stored in the run.",
        discussion: """
            z ~ N(0, I) by default; with --fit-gaussian, z ~ N(μ, diag σ²) with μ, σ the per-dimension moments of the \
            encoded training split. Each sample is compared with its nearest training image by MSE; the mean ± std of \
            those PSNRs measures how much the generator copies its training data (higher = closer to a training image).
            """
    )
    /// Most samples in one call (the grid and the stored arrays stay reasonable).
    static let maximumSamples = 10_000

    @OptionGroup var output: PlotOutputOptions

    @Option(name: .customLong("n"), help: "Number of samples.")
    var count = 64

    @Flag(help: "Sample from N(μ, diag σ²) fitted on the encoded training split instead of N(0, I).")
    var fitGaussian = false

    @Option(help: "Seed of the latent codes.")
    var seed: UInt64 = 1

    @OptionGroup var sampling: GANSamplingOptions

    @Option(help: "Images per grid row (default: about √n).")
    var columns: Int?

    @Option(help: "Group name under /generated (default: normal-seedS or fitted-seedS).")
    var name: String?

    @Option(help: "Directory holding the datasets and MANIFEST (default: ./data or AE_DATA_DIR).")
    var dataDir: String?

    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        guard (1...Self.maximumSamples).contains(count) else {
            throw ValidationError("--n must be between 1 and \(Self.maximumSamples), got \(count)")
        }
        if let columns, columns < 1 { throw ValidationError("--columns must be positive, got \(columns)") }
        if let name, name.isEmpty || name.contains("/") { throw ValidationError("--name must be non-empty without '/', got '\(name)'") }
    }

    func run() throws {
        try kernel.apply()
        let (samples, train, distribution) = try draw()
        let nearest = try TrainedModel.nearestTraining(samples.images, in: train)
        let psnr = nearest.psnr
        let summary = PSNRSummary(psnr)
        let groupName = name ?? "\(samples.distributionName)-seed\(seed)" + sampling.nameSuffix
        let grid = try ImageGrid(images: samples.images, count: count, imageHeight: train.dims.h, imageWidth: train.dims.w,
                                 columns: columns ?? Int(Double(count).squareRoot().rounded(.up)),
                                 captions: psnr.map { String(format: "%.1f dB", $0) },
                                 title: "\(count) samples, z ~ \(distribution) — \(runName)")
        try output.write(grid, suffix: "generated-\(groupName)")
        try TrainedModel.storeGenerated(samples, nearest: nearest, name: groupName, in: output.run)
        print(String(format: "%d samples, z ~ %@: PSNR to the nearest of %d training images %.2f ± %.2f dB (mean ± std)",
                     count, distribution as NSString, train.count, summary.mean, summary.std))
        print("stored under /generated/\(groupName) in \(output.run)")
    }

    /// The samples, the run's training images and a description of z: decoder samples of an autoencoder run,
    /// or generator samples of a GAN run.
    private func draw() throws -> (GeneratedSamples, ImageSet, String) {
        if try GANRun.isGANRun(output.run) {
            guard !fitGaussian else { throw RunError("--fit-gaussian fits the encoder's codes; \(output.run) is a GAN (no encoder)") }
            let gan = try TrainedGAN(path: output.run)
            let train = try gan.data(dataDir: dataDir).train
            guard train.dims.c == 1 else { throw RunError("image grids show grayscale images; \(output.run) has \(train.dims) images") }
            return (try sampling.sample(gan, n: count, seed: seed), train,
                    "\(sampling.noiseDescription) through the generator (\(gan.weights))")
        }
        try sampling.requirePlain(forAutoencoder: output.run)
        let trained = try TrainedModel(path: output.run)
        guard trained.spec.model.isAutoencoder else {
            throw RunError("\(output.run) is a classifier; `ae generate` needs an autoencoder run (its decoder) or a GAN run")
        }
        let train = try trained.data(dataDir: dataDir).train
        guard train.dims.c == 1 else { throw RunError("image grids show grayscale images; \(output.run) has \(train.dims) images") }
        let samples = try trained.sample(n: count, seed: seed, fitGaussian: fitGaussian ? train : nil)
        return (samples, train, fitGaussian ? "N(μ, diag σ²) fitted on the training codes" : "N(0, I)")
    }

    private var runName: String { URL(fileURLWithPath: output.run).deletingPathExtension().lastPathComponent }
}
