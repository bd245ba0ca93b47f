import AEData
import AENet
import AERun
import ArgumentParser
import Foundation

/// `ae score RUN.h5 --classifier CLF.h5`: sample quality of a generator (GAN, or an autoencoder's decoder with
/// z ~ N(0, I)) measured with a classifier run, plus the distance of the samples to the training set.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score generated samples with a classifier run: Inception-style score, mean max-probability, class entropy, nearest-training PSNR.",
        discussion: """
            Classifier score = exp(E_x KL(p(y|x) ‖ p(y))), p(y) the mean posterior over the samples (1 … number of classes; \
            higher = confident and varied). Mean max-probability: how sure the classifier is on each sample. Class-histogram \
            entropy (nats, max ln K): how evenly the predicted classes are spread (0 = mode collapse). Nearest-training PSNR: \
            mean PSNR of each of the first --nearest samples to its closest training image (high = memorised copies). \
            --real test scores the run's real test images instead, as the reference. --images FILE.npy scores images \
            made elsewhere (e.g. by a PyTorch model) with the same classifier, without a run file.
            """)

    @Argument(help: "GAN or autoencoder run file (not with --images).") var runFile: String?
    @Option(help: "Score these images instead of a run's: .npy of float32/float64 pixels in [0, 1] or integers 0…255, shaped (n, …) with the classifier's input size per image; nothing is stored.")
    var images: String?
    @Option(help: "Classifier run file (ae train --model classifier), or reference: the shipped MNIST classifier data/reference/mnist-classifier.h5, checked against data/MANIFEST.")
    var classifier: String = ReferenceClassifier.name
    @Option(name: .customLong("n"), help: "Number of samples.") var count = 10_000
    @Option(help: "Seed of the noise / latent codes.") var seed: UInt64 = 1
    @Option(help: "Samples compared with the training set for the nearest-neighbour PSNR (0 = skip).") var nearest = 1000
    @Option(help: "Score the run's real images of this split (train or test) instead of samples.") var real: String?
    @Option(help: "GAN: generator to sample, raw (trained G), ema (its moving average, runs trained with --ema) or auto (ema when present).")
    var generator = "auto"
    @OptionGroup var sampling: GANSamplingOptions
    @Option(help: "Name under /score (default: samples-seedS, samples-seedS-ema for the averaged G, -truncψ when truncated, -rejectK with --rejection, or real-SPLIT).")
    var name: String?
    @Option(help: "Directory holding the datasets and MANIFEST (default: ./data or AE_DATA_DIR).") var dataDir: String?
    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        guard (1...100_000).contains(count) else { throw ValidationError("--n must be between 1 and 100000, got \(count)") }
        guard nearest >= 0 else { throw ValidationError("--nearest must be >= 0, got \(nearest)") }
        if let real, !["train", "test"].contains(real) { throw ValidationError("--real must be train or test, got '\(real)'") }
        guard GeneratorChoice(rawValue: generator) != nil else { throw ValidationError("--generator must be auto, raw or ema, got '\(generator)'") }
        if let name, name.isEmpty || name.contains("/") { throw ValidationError("--name must be non-empty without '/', got '\(name)'") }
        if runFile != nil, images != nil { throw ValidationError("give a run file or --images FILE.npy, not both") }
        if runFile == nil, images == nil { throw ValidationError("give the run file to score (or --images FILE.npy)") }
        if images != nil, real != nil || name != nil || generator != "auto" || !sampling.isPlain {
            throw ValidationError("--images scores the file's images as they are: drop --real, --name, --generator and the sampling options")
        }
    }

    func run() throws {
        try kernel.apply()
        let (classifierPath, classifierLabel) = try ReferenceClassifier.resolve(classifier, dataDir: dataDir)
        let clf = try TrainedModel(path: classifierPath)
        guard let runFile else { return try scoreImageFile(images!, with: clf) }
        let (images, train, what, averaged) = try samples(of: runFile)
        let d = train.dims.count, compared = min(nearest, images.count / d)
        var score = try SampleScore.compute(images: images, classifier: clf)
        if compared > 0 {
            score.nearestPSNRMean = PSNRSummary(try TrainedModel.nearestTraining(Array(images.prefix(compared * d)), in: train).psnr).mean
        }
        let group = name ?? real.map { "real-\($0)" } ?? "samples-seed\(seed)" + (averaged ? "-ema" : "")
            + sampling.nameSuffix
        try score.store(in: runFile, name: group, classifier: classifierLabel, seed: seed)
        print("\(score.count) \(what): \(score.summary)" + (compared > 0 ? " (first \(compared) samples vs \(train.count) training images)" : ""))
        print("histogram: " + score.classHistogram.map { String(format: "%.3f", $0) }.joined(separator: " "))
        print("stored under /score/\(group) in \(runFile)")
    }

    /// The images to score (count × dims), the training images, what they are, and whether a GAN's averaged
    /// generator made them.
    private func samples(of runFile: String) throws -> ([Float], ImageSet, String, Bool) {
        if try GANRun.isGANRun(runFile) {
            let gan = try TrainedGAN(path: runFile, generator: GeneratorChoice(rawValue: generator)!)
            let data = try gan.data(dataDir: dataDir)
            if let real { return try realImages(data, real) }
            let what = "GAN samples (\(gan.weights), z ~ \(sampling.noiseDescription))"
            return (try sampling.sample(gan, n: count, seed: seed).images, data.train, what, gan.isAverage)
        }
        try sampling.requirePlain(forAutoencoder: runFile)
        let trained = try TrainedModel(path: runFile)
        guard trained.spec.model.isAutoencoder else { throw RunError("\(runFile) is a classifier; score a GAN or an autoencoder run") }
        let data = try trained.data(dataDir: dataDir)
        if let real { return try realImages(data, real) }
        return (try trained.sample(n: count, seed: seed).images, data.train, "decoder samples, z ~ N(0, I)", false)
    }

    /// --images: the file's images scored with `clf`; the nearest-training PSNR against the classifier's training images.
    private func scoreImageFile(_ path: String, with clf: TrainedModel) throws {
        let pixels = try Self.npyImages(path, dims: clf.spec.model.input)
        let train = try clf.data(dataDir: dataDir).train, d = train.dims.count
        let compared = min(nearest, pixels.count / d)
        var score = try SampleScore.compute(images: pixels, classifier: clf)
        if compared > 0 {
            score.nearestPSNRMean = PSNRSummary(try TrainedModel.nearestTraining(Array(pixels.prefix(compared * d)), in: train).psnr).mean
        }
        print("\(score.count) images of \(path): \(score.summary)" + (compared > 0 ? " (first \(compared) vs \(train.count) training images)" : ""))
        print("histogram: " + score.classHistogram.map { String(format: "%.3f", $0) }.joined(separator: " "))
    }

    /// Pixels in [0, 1] from a .npy of whole images of `dims` (the datasets' conversion: integers / 255, floats as
    /// they are, checked to lie in [0, 1]).
    static func npyImages(_ path: String, dims: Dims) throws -> [Float] {
        let array = try NPY.read(path: path)
        let d = dims.count, n = array.shape.first ?? 0
        guard array.shape.count >= 2, n > 0, array.count == n * d else {
            throw RunError("\(path): shape \(array.shape) is not (n, …) images of \(d) values (\(dims))")
        }
        return try unitPixels(array, path: path)
    }

    private func realImages(_ data: RunData, _ split: String) throws -> ([Float], ImageSet, String, Bool) {
        let set = try data.split(split), n = min(count, set.count), d = set.dims.count
        let images = Array(UnsafeBufferPointer(start: set.images.pointer, count: n * d))
        // Nearest-neighbour PSNR of real training images to the training set would be 100 dB (themselves).
        return (images, data.train, "real \(split) images", false)
    }
}
