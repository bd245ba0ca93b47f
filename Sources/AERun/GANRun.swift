import AEData
import AENet
import Foundation
import Kernels

/// What defines a GAN run: the networks and their training (`GANConfig`, seed included) and the data. Stored as
/// the JSON attribute `gan_spec`; a GAN run file has no `run_spec` (it has no encoder, metrics or latents).
public struct GANRunSpec: Codable, Equatable, Sendable {
    public var gan: GANConfig
    /// `mnist`, `fashion-mnist`, … or a path (see `DatasetSpec`).
    public var dataset: String
    /// Train on a stratified subset of this many images (nil = all).
    public var trainLimit: Int?
    /// Samples in the fixed-noise grid saved after every epoch (`/samples/epoch_N`).
    public var gridCount = 64

    public init(gan: GANConfig, dataset: String, trainLimit: Int? = nil) {
        self.gan = gan
        self.dataset = dataset
        self.trainLimit = trainLimit
    }

    /// Seed of the fixed noise behind the per-epoch grids (the run seed mixed, so it is not a training stream).
    public var gridSeed: UInt64 { gan.seed &+ 0x6772_6964 }

    public func validate() throws {
        try gan.validate()
        if let n = trainLimit, n < 1 { throw RunError("train limit must be >= 1, got \(n)") }
        guard (1...1024).contains(gridCount) else { throw RunError("grid count must be in 1...1024, got \(gridCount)") }
        _ = try DatasetSpec(parsing: dataset)
    }

    /// The data settings as a `RunSpec`, so GAN runs load exactly the images an autoencoder run with the same
    /// dataset, limit and seed would (no validation split: a GAN has no held-out objective).
    var dataSpec: RunSpec {
        var train = TrainConfig()
        train.seed = gan.seed
        return RunSpec(model: ModelConfig(kind: .mlp, input: gan.image), train: train, dataset: dataset,
                       validationFraction: 0, trainLimit: trainLimit)
    }
}

/// A GAN training run backed by one HDF5 file (docs/hdf5-layout.md, "GAN runs"): checkpointed after every epoch
/// with both networks, both Adam states, the history and the fixed-noise sample grid, and finished with `/model`.
public final class GANRun {
    public let path: String
    public let spec: GANRunSpec
    public let data: RunData
    public let trainer: GANTrainer

    private init(path: String, spec: GANRunSpec, data: RunData, trainer: GANTrainer) {
        self.path = path
        self.spec = spec
        self.data = data
        self.trainer = trainer
    }

    /// True when the file at `path` is a GAN run (has a `gan_spec` attribute).
    public static func isGANRun(_ path: String) throws -> Bool {
        try RunFile.read(at: path) { try $0.stringAttribute("gan_spec") != nil }
    }

    /// A new run at `path` (an existing file is an error unless `overwrite`); image dims come from the data.
    public static func create(_ spec: GANRunSpec, at path: String, overwrite: Bool, dataDir: String? = nil) throws -> GANRun {
        try spec.validate()
        if FileManager.default.fileExists(atPath: path), !overwrite {
            throw RunError("\(path) already exists (pass --overwrite to replace it, or --resume to continue it)")
        }
        let data = try RunData.load(spec.dataSpec, dataDir: dataDir)
        var spec = spec
        spec.gan.image = data.dims
        let trainer = try GANTrainer(gan: try GAN(spec.gan), train: data.train)
        try RunFile.create(at: path, overwrite: overwrite) { try $0.writeGANHeader(spec, dataset: data.dataset) }
        return GANRun(path: path, spec: spec, data: data, trainer: trainer)
    }

    /// Reopens the run at `path` at its last checkpoint; `epochs` (this session only) changes the epoch budget.
    public static func resume(at path: String, dataDir: String? = nil, epochs: Int? = nil) throws -> GANRun {
        var spec = try RunFile.read(at: path) { try $0.readGANSpec() }
        if let epochs { spec.gan.epochs = epochs }
        let data = try RunData.load(spec.dataSpec, dataDir: dataDir)
        guard data.dims == spec.gan.image else {
            throw RunError("\(path): the run was trained on \(spec.gan.image) images, \(spec.dataset) now has \(data.dims)")
        }
        try TrainingRun.checkDatasetUnchanged(path: path, data.dataset)
        let trainer = try GANTrainer(gan: try GAN(spec.gan), train: data.train)
        try trainer.restore(try RunFile.read(at: path) { try $0.readGANCheckpoint(of: trainer.gan) })
        return GANRun(path: path, spec: spec, data: data, trainer: trainer)
    }

    /// The fixed-noise grid of the current generator (N × C × H × W): the averaged one when the run keeps an EMA.
    public func grid() -> [Float] {
        trainer.gan.sample(count: spec.gridCount, seed: spec.gridSeed, using: trainer.average?.generator)
    }

    /// Trains the remaining epochs; after each, writes the checkpoint and `/samples/epoch_N` and calls `onEpoch`
    /// with the record and the grid. `stopAfter` ends the session after that many epochs as if interrupted.
    /// Returns false when stopped that way, true when the run finished (`/model` written).
    @discardableResult
    public func train(onStep: ((StepProgress) -> Void)? = nil, onEpoch: ((GANEpochRecord, [Float]) throws -> Void)? = nil,
                      stopAfter: Int? = nil) throws -> Bool {
        var epochsThisSession = 0
        while !trainer.isFinished {
            if let stopAfter, epochsThisSession >= stopAfter { return false }
            let record = try trainer.runEpoch(onStep: onStep)
            epochsThisSession += 1
            let checkpoint = trainer.checkpoint(), samples = grid(), dims = spec.gan.image
            try RunFile.update(at: path) { f in
                try f.writeGANCheckpoint(checkpoint, of: trainer.gan, status: "running")
                try f.write("/samples/epoch_\(record.epoch)", floats: samples, shape: [spec.gridCount, dims.c, dims.h, dims.w], compress: true)
                try f.setAttribute("seed", int: Int64(bitPattern: spec.gridSeed), at: "/samples")
                try f.setAttribute("count", int: Int64(spec.gridCount), at: "/samples")
            }
            try onEpoch?(record, samples)
        }
        try RunFile.update(at: path) { f in
            try f.writeGANCheckpoint(trainer.checkpoint(), of: trainer.gan, status: "finished")
            try f.writeParameters(trainer.gan.parameterValues, of: trainer.gan, under: "/model")
            if let average = trainer.average {
                try f.writeParameters(average.generator.parameterValues, of: average.generator, under: "/model_ema")
            }
        }
        return true
    }
}

/// Which generator of a GAN run samples: the trained G (`raw`), the moving average of its weights (`ema`, runs
/// trained with `--ema`), or the average when the run has one (`auto`).
public enum GeneratorChoice: String, CaseIterable, Sendable {
    case auto, raw, ema
}

/// A GAN run reloaded for sampling: the final weights (`/model`, `/model_ema`) of a finished run, or the last
/// checkpoint of a run still training (also one resumed after it finished). With the averaged generator chosen,
/// `gan.generator` holds the averaged weights and statistics (D keeps the trained ones).
public struct TrainedGAN {
    public let path: String
    public let spec: GANRunSpec
    public let gan: GAN
    /// Where the generator's weights came from: "/model", "/model_ema", "/checkpoint/model (epoch N)" or
    /// "/checkpoint/ema (epoch N)".
    public let weights: String
    /// Whether `gan.generator` is the moving average.
    public var isAverage: Bool { weights.contains("ema") }

    public init(path: String, batchSize: Int = 256, generator: GeneratorChoice = .auto) throws {
        (spec, gan, weights) = try RunFile.read(at: path) { f -> (GANRunSpec, GAN, String) in
            let spec = try f.readGANSpec()
            let gan = try GAN(spec.gan)
            try gan.prepare(batch: batchSize)
            // A finished run resumed with a larger budget keeps its old /model until it finishes again.
            let finished = try f.exists("/model") && f.stringAttribute("status") == "finished"
            let epoch = finished ? nil : try f.readGANCheckpoint(of: gan).epoch
            let (raw, average) = finished ? ("/model", "/model_ema") : ("/checkpoint/model", "/checkpoint/ema")
            try gan.load(parameters: try f.readParameters(of: gan, under: raw))
            let useAverage = generator == .ema || (generator == .auto && f.exists(average))
            if useAverage {
                guard f.exists(average) else { throw RunError("\(path) has no EMA generator (trained without --ema); use --generator raw") }
                try gan.generator.load(parameters: try f.readParameters(of: gan.generator, under: average))
            }
            let source = useAverage ? average : raw
            return (spec, gan, epoch.map { "\(source) (epoch \($0))" } ?? source)
        }
        self.path = path
    }

    /// The run's training images (the subset it was trained on) and test images.
    public func data(dataDir: String? = nil) throws -> RunData { try RunData.load(spec.dataSpec, dataDir: dataDir) }

    /// Most codes one `sample` call draws (samples × rejection factor): their noise vectors are held at once.
    public static let maximumCandidates = 1_000_000

    /// `n` samples G(z), z ~ N(0, I) from the sample stream of `seed` (the stream of the per-epoch grids, which are
    /// its first `gridCount` samples for the grid seed); with a `truncation` ψ, z's values beyond ±ψ are redrawn
    /// (`GAN.noise`). With `rejection` k > 1, the first k·n codes of the stream are generated and the n images the
    /// run's trained discriminator rates most real (highest logits; ties to the earlier code) are kept, in stream
    /// order: discriminator-ranked selection, a deterministic form of the discriminator rejection sampling of Azadi
    /// et al. 2019 (which accepts each sample with a probability calibrated from D's logit instead).
    public func sample(n: Int, seed: UInt64, truncation: Float? = nil, rejection: Int = 1) throws -> GeneratedSamples {
        guard n > 0 else { throw RunError("the number of samples must be positive, got \(n)") }
        if let truncation, !GAN.isValidTruncation(truncation) {
            throw RunError("the truncation threshold must be a finite number >= 0.1, got \(truncation)")
        }
        guard GAN.isValidRejection(rejection) else { throw RunError("the rejection factor must be 1...\(GAN.maximumRejection), got \(rejection)") }
        let drawn = n * rejection, noise = spec.gan.noise
        guard drawn <= Self.maximumCandidates else {
            throw RunError("\(n) samples × rejection \(rejection) = \(drawn) candidates; at most \(Self.maximumCandidates)")
        }
        var z = gan.noise(count: drawn, seed: seed, truncation: truncation)
        if rejection > 1 {
            // Candidates are generated and rated a chunk at a time (only their logits are kept); G in evaluation
            // mode maps each code alone, so the kept codes regenerate the same images below.
            var logits: [Float] = []
            logits.reserveCapacity(drawn)
            for start in stride(from: 0, to: drawn, by: 4096) {
                let m = min(4096, drawn - start)
                let images = z.withUnsafeBufferPointer { gan.generate($0.baseAddress! + start * noise, count: m) }
                logits += images.withUnsafeBufferPointer { gan.discriminate($0.baseAddress!, count: m) }
            }
            let kept = logits.indices.sorted { (logits[$0], $1) > (logits[$1], $0) }.prefix(n).sorted()
            z = kept.flatMap { z[$0 * noise..<($0 + 1) * noise] }
        }
        let images = z.withUnsafeBufferPointer { gan.generate($0.baseAddress!, count: n) }
        return GeneratedSamples(count: n, z: z, images: images, dims: spec.gan.image,
                                gaussian: .standard(latent: spec.gan.noise), fitted: false, seed: seed)
    }
}
