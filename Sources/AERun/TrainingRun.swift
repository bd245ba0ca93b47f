import AEData
import AENet
import Foundation
import Kernels

/// A training run backed by one HDF5 file: created (or resumed) from a `RunSpec`, checkpointed after every
/// epoch, and finished with the final weights, test metrics and test latents in the file.
public final class TrainingRun {
    public let path: String
    public let spec: RunSpec
    public let data: RunData
    public let trainer: Trainer
    /// False on the ranks of a data-parallel run other than rank 0: they train in step with it but never
    /// touch the run file (one rank checkpoints; see `--distributed`).
    public private(set) var writesFile = true

    /// What happens while training, for progress bars and logs.
    public struct Observer {
        public var onStep: ((StepProgress) -> Void)?
        public var onEpoch: ((EpochRecord) -> Void)?
        /// Called once, after the epoch at which training is first seen to have stalled (`EpochRecord.isStalled`),
        /// with a one-line explanation.
        public var onStalled: ((String) -> Void)?
        public init(onStep: ((StepProgress) -> Void)? = nil, onEpoch: ((EpochRecord) -> Void)? = nil,
                    onStalled: ((String) -> Void)? = nil) {
            self.onStep = onStep
            self.onEpoch = onEpoch
            self.onStalled = onStalled
        }
    }

    /// What a stalled run is told: which loss stopped moving, the likely cause and what a new run could change.
    static func stalledMessage(_ record: EpochRecord) -> String {
        let (which, loss) = record.valLoss.isNaN ? ("training", record.trainLoss) : ("validation", record.valLoss)
        return "warning: the \(which) loss has not moved for two epochs (\(String(format: "%.5f", loss))): the network has "
            + "stopped learning (a saturated output or dead units); a new run with --warmup-steps 100, a smaller --lr or "
            + "another --seed may train"
    }

    private init(path: String, spec: RunSpec, data: RunData, trainer: Trainer) {
        self.path = path
        self.spec = spec
        self.data = data
        self.trainer = trainer
    }

    /// A new run at `path` (an existing file is an error unless `overwrite`). The model's input dims and
    /// class count are taken from the data.
    public static func create(_ spec: RunSpec, at path: String, overwrite: Bool, dataDir: String? = nil,
                              writesFile: Bool = true) throws -> TrainingRun {
        try spec.validate()
        if writesFile, FileManager.default.fileExists(atPath: path), !overwrite {
            throw RunError("\(path) already exists (pass --overwrite to replace it, or --resume to continue it)")
        }
        let data = try RunData.load(spec, dataDir: dataDir)
        var spec = spec
        spec.model.input = data.dims
        if spec.model.kind == .classifier { spec.model.classes = max(data.classCount, 2) }
        let run = TrainingRun(path: path, spec: spec, data: data, trainer: try makeTrainer(spec, data))
        run.writesFile = writesFile
        if writesFile { try RunFile.create(at: path, overwrite: overwrite) { try $0.writeRunHeader(spec, dataset: data.dataset) } }
        return run
    }

    /// Reopens the run at `path` at its last checkpoint; `epochs` (for this session only) changes the epoch budget.
    public static func resume(at path: String, dataDir: String? = nil, epochs: Int? = nil, writesFile: Bool = true) throws -> TrainingRun {
        var spec = try RunFile.read(at: path) { try $0.readRunSpec() }
        if let epochs { spec.train.epochs = epochs }
        let data = try RunData.load(spec, dataDir: dataDir)
        guard data.dims == spec.model.input else {
            throw RunError("\(path): the run was trained on \(spec.model.input) images, \(spec.dataset) now has \(data.dims)")
        }
        try checkDatasetUnchanged(path: path, data.dataset)
        let trainer = try makeTrainer(spec, data)
        let checkpoint = try RunFile.read(at: path) { try $0.readCheckpoint(of: trainer.model) }
        try trainer.restore(checkpoint)
        let run = TrainingRun(path: path, spec: spec, data: data, trainer: trainer)
        run.writesFile = writesFile
        return run
    }

    static func makeTrainer(_ spec: RunSpec, _ data: RunData) throws -> Trainer {
        try Trainer(model: try Model(spec.model), config: spec.train, train: data.train, validation: data.validation)
    }

    /// Resuming on different data would silently change the run: the files' hashes must match.
    static func checkDatasetUnchanged(path: String, _ dataset: DatasetInfo) throws {
        guard let json = try RunFile.read(at: path, { try $0.stringAttribute("dataset_sha256") }),
              let stored = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else { return }
        if stored != dataset.sha256 {
            throw RunError("\(path): the dataset files changed since this run started (SHA-256 differs); refusing to resume")
        }
    }

    /// Trains the remaining epochs, writing a checkpoint after each, then finishes the run. `stopAfter`
    /// ends this session after that many epochs as if interrupted (for tests and time-boxed jobs). Returns
    /// nil then, and on ranks that do not write the file.
    @discardableResult
    public func train(observer: Observer = Observer(), stopAfter: Int? = nil) throws -> RunSummary? {
        var epochsThisSession = 0, toldStalled = EpochRecord.isStalled(trainer.history)
        while !trainer.isFinished {
            if let stopAfter, epochsThisSession >= stopAfter { return nil }
            let record = try trainer.runEpoch(onStep: observer.onStep)
            epochsThisSession += 1
            if writesFile {
                let checkpoint = trainer.checkpoint()
                try RunFile.update(at: path) {
                    try $0.writeCheckpoint(checkpoint, of: trainer.model, status: "running")
                    try $0.writeVAEHistory(trainer.lastVAEObjective, epoch: record.epoch, model: spec.model)
                }
            }
            observer.onEpoch?(record)
            if !toldStalled, EpochRecord.isStalled(trainer.history) {
                toldStalled = true
                observer.onStalled?(Self.stalledMessage(record))
            }
        }
        return writesFile ? try finish() : nil
    }

    /// Restores the best weights, writes them as `/model`, evaluates and encodes the test split.
    public func finish() throws -> RunSummary {
        let checkpoint = trainer.checkpoint()  // last-epoch weights, so a longer budget can continue from here
        trainer.restoreBest()
        let model = trainer.model
        let result = trainer.evaluate(data.test)
        let latents = Evaluator(model: model).encode(data.test, batchSize: model.networks[0].maxBatch)
        let status = trainer.stoppedEarly ? "stopped-early" : "finished"
        let vae = spec.model.isVAE ? trainer.vaeObjective(data.test) : nil
        try RunFile.update(at: path) { f in
            try f.writeCheckpoint(checkpoint, of: model, status: status)
            try f.writeParameters(model.parameterValues, of: model, under: "/model")
            try f.writeMetrics(result, split: "test", labels: data.test.labels, classes: spec.model.classes,
                               dataset: spec.dataset, corruption: nil)
            try f.writeVAEMetrics(vae, split: "test", model: spec.model)
            if !latents.isEmpty {
                try f.writeLatents(latents, split: "test", latent: spec.model.latent, labels: data.test.labels)
            }
        }
        return RunSummary(path: path, spec: spec, history: trainer.history, test: result, status: status)
    }
}

/// The outcome of a finished run.
public struct RunSummary {
    public let path: String
    public let spec: RunSpec
    public let history: [EpochRecord]
    public let test: EvaluationResult
    public let status: String

    /// One line: test PSNR (autoencoders) or accuracy (classifiers).
    public var headline: String {
        if spec.model.isAutoencoder {
            return String(format: "test PSNR %.2f ± %.2f dB, MSE %.5f (%d images)", test.psnrMean, test.psnrStd, test.mseMean, test.psnr.count)
        }
        return String(format: "test accuracy %.2f%%, cross-entropy %.4f (%d images)", 100 * test.accuracy, test.loss, test.predictions.count)
    }
}
