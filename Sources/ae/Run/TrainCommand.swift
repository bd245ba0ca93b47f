import AEData
import AEDistributed
import AENet
import AERun
import ArgumentParser
import Foundation
import Kernels

/// `ae train`: trains a model and writes the run (config, checkpoints, history, metrics, test latents) to
/// one HDF5 file, plus a Markdown report beside it.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an autoencoder or classifier; the run (checkpoints, history, metrics, latents) goes to one HDF5 file.",
        discussion: "Interrupted runs (Ctrl-C, kill -9) continue with `ae train --resume RUN.h5` and end with the same weights.")

    @Option(help: "Model: \(Train.modelNames.joined(separator: ", ")) (vae-conv = vae-cnn).") var model: String = "cnn3"
    @Option(help: "Dataset: mnist, fashion-mnist, kmnist, k49 or a directory of IDX/.npy/.npz files.") var dataset: String = "mnist"
    @Option(help: "Directory holding the shipped datasets and MANIFEST (default: ./data or AE_DATA_DIR).") var dataDir: String?
    @Option(help: "Latent size (autoencoders, default 32) or noise size (GANs, default 100).") var latent: Int?
    @Option(help: "Hidden widths for mlp/vae-mlp/classifier, comma-separated (default mlp 512,128; classifier 512).") var hidden: String?
    @Option(help: "GAN: the generator's own hidden widths or channels, in --hidden's order (gan-conv: image side first, e.g. 128,256 for a wider G beside the standard D; default: G mirrors D).")
    var gHidden: String?
    @Option(help: "Hidden activation: relu, leakyrelu, tanh, sigmoid.") var activation: String = "relu"
    @Option(help: "Dropout probability after hidden activations (GANs: the discriminator's).") var dropout: Float = 0
    @Option(help: "Epochs (default 10; with --resume: a new total for this session, e.g. to train longer).") var epochs: Int?
    @Option(help: "Mini-batch size (default 128; GANs 64).") var batch: Int?
    @Option(help: "Learning rate (default 1e-3; GANs 2e-4).") var lr: Float?
    @Option(help: "Adam β1 (default 0.9; GANs 0.5).") var beta1: Float?
    @Option(help: "GAN: discriminator steps per generator step (k).") var dSteps: Int = 1
    @Option(help: "GAN: the discriminator's learning rate when it should differ from --lr (scheduled alike; default: --lr).")
    var dLr: Float?
    @Option(help: "GAN objective: bce (non-saturating) or hinge (SN-GAN's).") var ganLoss: String = "bce"
    @Option(help: "GAN: target for real images in D's loss (0.9 = one-sided label smoothing).") var realLabel: Float = 1
    @Option(help: "GAN weight initialisation: he (He uniform) or dcgan (N(0, 0.02²); default with batch norm).") var ganInit: String?
    @Flag(help: "gan-conv: no batch norm (the first recipe: LeakyReLU in both networks).") var noBatchNorm = false
    @Flag(help: "GAN: spectral normalisation of every discriminator weight, in place of D's batch norm (Miyato et al. 2018).")
    var spectralNorm = false
    @Option(help: "GAN: keep an exponential moving average of G's weights with this decay (e.g. 0.999), used for samples and scores (default: off).")
    var ema: Float?
    @Option(help: "GAN: after each epoch, score --score-n samples of the generator (the average with --ema) with this classifier run, or reference for the shipped one (ae score's figures, stored under /score/epoch-N).")
    var scoreClassifier: String?
    @Option(help: "GAN: samples scored after each epoch with --score-classifier.") var scoreN: Int = 2000
    @Option(help: "Optimizer: gd (full batch), sgd, adam, adamw.") var optimizer: String = "adam"
    @Option(help: "SGD momentum.") var momentum: Float = 0
    @Option(help: "Learning-rate schedule: constant, linear[:final], exp:gamma.") var schedule: String = "constant"
    @Option(help: "Reconstruction loss: mse or bce.") var loss: String = "mse"
    @Option(help: "L1 penalty on the latent code.") var l1: Float = 0
    @Option(help: "L2 weight decay (decoupled for adamw).") var weightDecay: Float = 0
    @Option(help: "Denoising: std of Gaussian noise added to inputs (targets stay clean).") var noise: Float = 0
    @Option(help: "VAE: weight of the KL term (1 = the ELBO).") var beta: Float = 1
    @Option(help: "VAE: epochs over which the KL weight rises linearly from 0 to --beta (0 = none).") var klWarmup: Int = 0
    @Option(help: "Learning-rate warm-up: the first N optimiser updates ramp the rate linearly up to --lr (0 = none; default 100 for cnn5, which can saturate in its first Adam steps without it, else 0).")
    var warmupSteps: Int?
    @Option(help: "Early stopping: epochs without validation improvement.") var patience: Int?
    @Option(help: "Early stopping: minimum validation-loss improvement.") var minDelta: Float = 0
    @Option(help: "Early stopping on iterations: window length (stop when the windowed mean loss stalls).") var window: Int?
    @Option(help: "Tolerance of the window rule.") var tolerance: Float = 1e-4
    @Option(help: "Fraction of training images held out for validation.") var validation: Double = 0.1
    @Option(help: "Train on a stratified subset of this many images.") var trainLimit: Int?
    @Option(help: "Test on a stratified subset of this many images.") var testLimit: Int?
    @Option(help: "Random seed (initialisation, shuffles, splits, dropout, noise).") var seed: UInt64 = 1
    @Option(help: "Run file to write (default runs/<model>-<dataset>.h5).") var out: String?
    @Flag(help: "Replace an existing run file.") var overwrite = false
    @Option(help: "Continue the interrupted run in this file (its own settings are used).") var resume: String?
    @Option(help: .hidden) var stopAfter: Int?
    @Flag(help: "Data-parallel training under mpirun: each rank takes a shard of every batch; rank 0 writes the run.")
    var distributed = false
    @Flag(help: .hidden) var noOverlap = false
    @OptionGroup var kernel: KernelOptions

    func validate() throws {
        guard ModelConfig.Kind(name: model) != nil || GANConfig.Architecture(rawValue: model) != nil else {
            throw ValidationError("--model must be one of \(Train.modelNames.joined(separator: ", ")), got '\(model)'")
        }
        guard ModelConfig.HiddenActivation(rawValue: activation) != nil else {
            throw ValidationError("--activation must be relu, leakyrelu, tanh or sigmoid, got '\(activation)'")
        }
        guard OptimizerConfig.Kind(rawValue: optimizer) != nil else {
            throw ValidationError("--optimizer must be gd, sgd, adam or adamw, got '\(optimizer)'")
        }
        guard Schedule(parsing: schedule) != nil else {
            throw ValidationError("--schedule must be constant, linear[:final] or exp:gamma (0 < gamma <= 1), got '\(schedule)'")
        }
        guard TrainConfig.LossKind(rawValue: loss) != nil else { throw ValidationError("--loss must be mse or bce, got '\(loss)'") }
        if let h = hidden { _ = try parseHidden(h) }
        if hidden != nil, let kind = ModelConfig.Kind(name: model), !kind.takesHiddenWidths {
            throw ValidationError("--hidden sets mlp, vae-mlp, classifier and GAN widths; --model \(model) has fixed channels")
        }
        if let h = gHidden { _ = try parseHidden(h) }
        if let s = stopAfter, s < 1 { throw ValidationError("--stop-after must be >= 1") }
        if warmupSteps != nil, model.hasPrefix("gan-") || resume != nil {
            throw ValidationError("--warmup-steps configures a new autoencoder or classifier run; GANs and resumed runs keep their own rates")
        }
        if resume != nil, out != nil { throw ValidationError("--resume continues its own file; drop --out") }
        guard (1...100_000).contains(scoreN) else { throw ValidationError("--score-n must be between 1 and 100000, got \(scoreN)") }
        if scoreClassifier != nil, resume == nil, !model.hasPrefix("gan-") {
            throw ValidationError("--score-classifier scores GAN samples; --model \(model) is not a GAN")
        }
        if spectralNorm, resume != nil || !model.hasPrefix("gan-") {
            throw ValidationError("--spectral-norm configures a new GAN (--model gan-mlp|gan-conv); a resumed run keeps its own settings")
        }
        if model.hasPrefix("gan-") { try validateGAN() }
    }

    func spec() throws -> RunSpec {
        var train = TrainConfig()
        train.epochs = epochs ?? 10
        train.batchSize = batch ?? 128
        train.optimizer = OptimizerConfig(kind: OptimizerConfig.Kind(rawValue: optimizer)!, learningRate: lr ?? 1e-3, momentum: momentum,
                                          beta1: beta1 ?? 0.9, weightDecay: weightDecay)
        train.schedule = Schedule(parsing: schedule)!
        train.loss = TrainConfig.LossKind(rawValue: loss)!
        train.l1 = l1
        train.noise = noise
        train.beta = beta
        train.klWarmup = klWarmup
        train.patience = patience
        train.minDelta = minDelta
        train.window = window
        train.tolerance = tolerance
        train.seed = seed
        let kind = ModelConfig.Kind(name: model)!
        train.warmupSteps = warmupSteps ?? kind.defaultWarmupSteps
        let config = ModelConfig(kind: kind, latent: latent ?? 32, hidden: try hidden.map(parseHidden) ?? [], classes: 10,
                                 dropout: dropout, activation: ModelConfig.HiddenActivation(rawValue: activation)!)
        return RunSpec(model: config, train: train, dataset: dataset, validationFraction: validation,
                       trainLimit: trainLimit, testLimit: testLimit)
    }

    func run() throws {
        guard distributed else {
            if let n = DistributedSession.launchedSize, n > 1 {
                throw ValidationError("started by mpirun with \(n) processes: pass --distributed (else every rank trains the same run)")
            }
            return try train(session: nil)
        }
        let session = try DistributedSession.join()
        session.guarding { try train(session: session) }
    }

    private func train(session: DistributedSession?) throws {
        try kernel.apply(session: session)
        if try resume.map(GANRun.isGANRun) ?? model.hasPrefix("gan-") {
            guard session == nil else { throw ValidationError("--distributed trains autoencoders and classifiers, not GANs") }
            return try runGAN()
        }
        if scoreClassifier != nil { throw ValidationError("--score-classifier scores GAN samples; \(resume ?? model) is not a GAN run") }
        let writes = session?.isLeader ?? true
        let run: TrainingRun
        if let resume {
            run = try TrainingRun.resume(at: resume, dataDir: dataDir, epochs: epochs, writesFile: writes)
            if writes { print("resuming \(resume) after epoch \(run.trainer.epoch) of \(run.spec.train.epochs)") }
        } else {
            let s = try spec()
            let path = try out ?? "runs/\(s.model.kind.rawValue)-\(DatasetSpec(parsing: s.dataset).name).h5"
            run = try TrainingRun.create(s, at: path, overwrite: overwrite, dataDir: dataDir, writesFile: writes)
        }
        run.trainer.reducer = session?.gradientReducer(overlap: !noOverlap)
        guard writes else {  // the other ranks: train in step with rank 0, silently
            try run.train(stopAfter: stopAfter)
            return
        }
        let m = run.trainer.model
        let ranks = session.map { ", \($0.size) ranks" } ?? ""
        print("\(run.spec.model.kind.rawValue) (\(m.parameterCount) parameters) on \(run.spec.dataset): "
              + "\(run.data.train.count) train, \(run.data.validation?.count ?? 0) val, \(run.data.test.count) test images; "
              + "\(KernelRuntime.threads) threads\(ranks), \(KernelRuntime.isa) → \(run.path)")
        let progress = ProgressReporter(autoencoder: run.spec.model.isAutoencoder)
        guard let summary = try run.train(observer: progress.observer, stopAfter: stopAfter) else {
            print("stopped after \(run.trainer.epoch) epochs; continue with: ae train --resume \(run.path)")
            return
        }
        let report = try RunReport.write(runPath: run.path, figures: try ReportFigures.draw(runPath: run.path))
        print("\(summary.status): \(summary.headline)")
        print("run: \(run.path)  report: \(report)")
    }
}
