import AEAnalysis
import AEData
import AENet
import AERun
import ArgumentParser
import Foundation
import Kernels

/// `ae train --model gan-mlp|gan-conv`: the GAN half of `ae train` (same flags where they mean the same thing).
extension Train {
    static var modelNames: [String] { ModelConfig.Kind.allCases.map(\.rawValue) + GANConfig.Architecture.allCases.map(\.rawValue) }

    /// The GAN run of these options. Autoencoder-only options (loss, L1, β, …) are ignored.
    func ganSpec() throws -> GANRunSpec {
        guard let architecture = GANConfig.Architecture(rawValue: model) else { throw ValidationError("--model \(model) is not a GAN") }
        var c = GANConfig(architecture: architecture)
        c.noise = latent ?? 100
        c.hidden = try hidden.map(parseHidden) ?? []
        c.generatorHidden = try gHidden.map(parseHidden) ?? []
        // --activation's default (relu) is the autoencoders'; GANs use LeakyReLU(0.2) unless told otherwise.
        if activation != "relu" { c.activation = GANConfig.activation(named: activation)! }
        c.epochs = epochs ?? 10
        c.batchSize = batch ?? 64
        c.discriminatorSteps = dSteps
        c.dropout = dropout
        c.realLabel = realLabel
        c.objective = GANConfig.Objective(rawValue: ganLoss)!
        c.batchNorm = !noBatchNorm
        c.spectralNorm = spectralNorm
        c.initialization = ganInit.map { GANConfig.Initialization(rawValue: $0)! }
        c.optimizer = OptimizerConfig(kind: .adam, learningRate: lr ?? 2e-4, beta1: beta1 ?? 0.5, weightDecay: weightDecay)
        c.schedule = Schedule(parsing: schedule)!
        c.seed = seed
        c.ema = ema
        c.discriminatorLearningRate = dLr
        return GANRunSpec(gan: c, dataset: dataset, trainLimit: trainLimit)
    }

    /// GAN-only checks of the options, called from `validate()`.
    func validateGAN() throws {
        guard optimizer == "adam" else { throw ValidationError("GANs train with adam (β1 = --beta1, default 0.5); got --optimizer \(optimizer)") }
        if let i = ganInit, GANConfig.Initialization(rawValue: i) == nil { throw ValidationError("--gan-init must be he or dcgan, got '\(i)'") }
        guard dSteps >= 1 else { throw ValidationError("--d-steps must be >= 1, got \(dSteps)") }
        if let dLr, !(dLr.isFinite && dLr > 0 && dLr <= 10) { throw ValidationError("--d-lr must be in (0, 10], got \(dLr)") }
        guard realLabel > 0.5 && realLabel <= 1 else { throw ValidationError("--real-label must be in (0.5, 1], got \(realLabel)") }
        guard let objective = GANConfig.Objective(rawValue: ganLoss) else { throw ValidationError("--gan-loss must be bce or hinge, got '\(ganLoss)'") }
        guard objective == .bce || realLabel == 1 else { throw ValidationError("--real-label applies to --gan-loss bce only") }
        if let ema, !(ema >= 0 && ema < 1) { throw ValidationError("--ema must be in [0, 1), got \(ema)") }
    }

    func runGAN() throws {
        // Before a run file is written: a bad classifier fails the command without leaving a run behind.
        let classifier = try scoreClassifier.map { try ReferenceClassifier.resolve($0, dataDir: dataDir) }
        let scorer = try classifier.map { try TrainedModel(path: $0.path) }
        let run: GANRun
        if let resume {
            run = try GANRun.resume(at: resume, dataDir: dataDir, epochs: epochs)
            print("resuming \(resume) after epoch \(run.trainer.epoch) of \(run.spec.gan.epochs)")
        } else {
            let s = try ganSpec()
            let path = try out ?? "runs/\(s.gan.architecture.rawValue)-\(DatasetSpec(parsing: s.dataset).name).h5"
            run = try GANRun.create(s, at: path, overwrite: overwrite, dataDir: dataDir)
        }
        let g = run.spec.gan
        print("\(g.architecture.rawValue) (G \(run.trainer.gan.generator.parameterCount) + D \(run.trainer.gan.discriminator.parameterCount) "
              + "parameters, noise \(g.noise), k = \(g.discriminatorSteps)\(g.ema.map { ", EMA decay \($0)" } ?? "")) on \(run.spec.dataset): \(run.data.train.count) train images; "
              + "\(KernelRuntime.threads) threads, \(KernelRuntime.isa) → \(run.path)")
        let progress = ProgressReporter(autoencoder: false)
        let gridPath = RunFigures.defaultOutputPath(run: run.path, suffix: "samples")
        let finished = try run.train(onStep: progress.live ? { progress.step($0) } : nil, onEpoch: { r, samples in
            if progress.live { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            try GANFigures.sampleGrid(samples, dims: g.image, title: "epoch \(r.epoch), fixed noise").writePNG(to: gridPath)
            let lr = g.schedule == .constant ? "" : String(format: "  lr %.3g", g.learningRate(epoch: r.epoch - 1))
            print(String(format: "epoch %3d  D loss %.4f  G loss %.4f  D(x) %.3f  D(G(z)) %.3f  %.1f s  %.0f img/s",
                         r.epoch, r.discriminatorLoss, r.generatorLoss, r.realScore, r.fakeScore, r.seconds, r.imagesPerSecond) + lr)
            if let scorer, let classifier { try scoreEpoch(r.epoch, of: run.path, with: scorer, label: classifier.label) }
            fflush(nil)
        }, stopAfter: stopAfter)
        guard finished else {
            print("stopped after \(run.trainer.epoch) epochs; continue with: ae train --resume \(run.path)")
            return
        }
        let report = try GANFigures.writeReport(runPath: run.path)
        print("finished: \(run.trainer.epoch) epochs; samples: \(gridPath)")
        print("run: \(run.path)  report: \(report)")
    }

    /// --score-classifier: the generator just checkpointed (its average when the run keeps one) scored on
    /// --score-n samples of seed 1, printed and stored under /score/epoch-N of the run.
    private func scoreEpoch(_ epoch: Int, of runPath: String, with classifier: TrainedModel, label: String) throws {
        let gan = try TrainedGAN(path: runPath, generator: .auto)
        let score = try SampleScore.compute(images: try gan.sample(n: scoreN, seed: 1).images, classifier: classifier)
        try score.store(in: runPath, name: "epoch-\(epoch)", classifier: label, seed: 1)
        print("          \(gan.isAverage ? "averaged G" : "G"), \(scoreN) samples: \(score.summary)")
    }
}
