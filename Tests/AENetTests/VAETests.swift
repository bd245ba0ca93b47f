import AENet
import Foundation
import Kernels
import TestSupport
import XCTest

/// Whole-model gradient checks of the VAEs. ε is fixed because `lossAndGradient` does not advance the step;
/// tanh keeps the finite differences away from kinks (see GradientCheckTests).
extension GradientCheckTests {
    func testVAEMLPBCE() throws {
        var t = TrainConfig()
        t.loss = .bce
        try check(ModelConfig(kind: .vaeMLP, input: Dims(1, 6, 6), latent: 3, hidden: [8, 5], activation: .tanh), train: t)
    }

    func testVAEMLPMSEWithBetaAndL1() throws {
        var t = TrainConfig()
        t.beta = 3.5
        t.l1 = 0.05
        try check(ModelConfig(kind: .vaeMLP, input: Dims(1, 5, 5), latent: 4, hidden: [7], activation: .tanh), train: t, batch: 3)
    }

    func testVAEConv() throws {
        var t = TrainConfig()
        t.loss = .bce
        try check(ModelConfig(kind: .vaeConv, latent: 4, activation: .tanh), train: t, batch: 2)
    }
}

extension TrainingTests {
    /// A VAE resumed from an epoch checkpoint ends with the same weights as an uninterrupted run: ε comes from
    /// (seed, step) and the warm-up β from the epoch, both restored by the checkpoint.
    func testVAEResumeFromCheckpointMatchesUninterrupted() throws {
        func make() throws -> Trainer { try trainer(.vaeMLP, epochs: 4) { $0.klWarmup = 3; $0.loss = .bce } }
        let full = try make()
        try full.fit()
        let first = try make()
        try first.runEpoch()
        try first.runEpoch()
        let resumed = try make()
        try resumed.restore(first.checkpoint())
        try resumed.fit()
        XCTAssertEqual(resumed.model.parameterValues, full.model.parameterValues)
        XCTAssertEqual(resumed.history.map(\.trainLoss), full.history.map(\.trainLoss))
        XCTAssertNotEqual(try make().model.parameterValues, full.model.parameterValues, "training changed nothing")
    }
}

final class VAETests: XCTestCase {
    func testArchitecturesAndParameterCounts() throws {
        // vae-mlp 784-512-128-(2×20) + decoder 20-128-512-784: the mlp's counts with a 2×latent code layer.
        let mlp = try Model(ModelConfig(kind: .vaeMLP, latent: 20))
        XCTAssertEqual(mlp.parameterCount, try Model(ModelConfig(kind: .mlp, latent: 20)).parameterCount + 128 * 20 + 20)
        // vae-conv: cnn3 with the 2048→latent linear doubled.
        let conv = try Model(ModelConfig(kind: .vaeConv, latent: 16))
        XCTAssertEqual(conv.parameterCount, try Model(ModelConfig(kind: .cnn3, latent: 16)).parameterCount + 2048 * 16 + 16)
        for model in [mlp, conv] {
            try model.prepare(maxBatch: 2)
            XCTAssertEqual(model.encoder!.outputDims, .features(model.config.latent), "the encoder's output is z, not (μ, log σ²)")
            XCTAssertEqual(model.decoder!.outputDims, Dims(1, 28, 28))
            XCTAssertNotNil(model.vaeSampler)
            XCTAssertTrue(model.config.isVAE && model.config.isAutoencoder)
        }
        XCTAssertNil(try Model(ModelConfig(kind: .mlp)).vaeSampler)
        XCTAssertEqual(ModelConfig.Kind(rawValue: "vae-mlp"), .vaeMLP)
        XCTAssertEqual(ModelConfig.Kind(rawValue: "vae-cnn"), .vaeConv)
        XCTAssertEqual(ModelConfig.Kind(name: "vae-conv"), .vaeConv)  // the first name stays an alias
        XCTAssertNil(ModelConfig.Kind(rawValue: "vae-conv"))
        let old = try JSONDecoder().decode([ModelConfig.Kind].self, from: Data(#"["vae-conv","vae-mlp"]"#.utf8))
        XCTAssertEqual(old, [.vaeConv, .vaeMLP])
    }

    /// In evaluation the encoder returns μ (the first half of the last Linear's output), deterministically;
    /// in training it returns μ + σ·ε with ε fixed by (seed, step).
    func testEncodeReturnsMeanAndTrainingSamples() throws {
        let model = try Model(ModelConfig(kind: .vaeMLP, input: Dims(1, 4, 4), latent: 3, hidden: [6]))
        try model.prepare(maxBatch: 5)
        model.initialize(seed: 2)
        let set = ImageSet(images: randomFloats(5 * 16, in: 0..<1, seed: 3), labels: [Int32](repeating: 0, count: 5), dims: Dims(1, 4, 4))
        let codes = Evaluator(model: model).encode(set, batchSize: 5)
        let encoder = model.encoder!, x = set.images.tensor(batch: 5, dims: set.dims)
        // μ: run the layers before the sampler (Linear and ReLU use no workspace) and take the first
        // `latent` floats of each 2·latent row.
        let workspace = Buffer(count: 1)
        let h = encoder.layers.dropLast().reduce(x) { $1.forward($0, context: PassContext(training: false), workspace: workspace.pointer) }
        let mu = (0..<5).flatMap { b in (0..<3).map { h.data[b * 6 + $0] } }
        XCTAssertEqual(codes, mu)
        XCTAssertEqual(Evaluator(model: model).encode(set, batchSize: 2), codes, "batching does not change μ")
        func sample(step: UInt64) -> [Float] { encoder.forward(x, context: PassContext(training: true, seed: 9, step: step)).array }
        XCTAssertEqual(sample(step: 4), sample(step: 4))
        XCTAssertNotEqual(sample(step: 4), sample(step: 5))
        XCTAssertNotEqual(sample(step: 4), codes)
    }

    func testKLWarmupAndConfigDecoding() throws {
        var t = TrainConfig()
        t.beta = 2
        XCTAssertEqual((0..<3).map { t.klWeight(epoch: $0) }, [2, 2, 2])
        t.klWarmup = 4
        XCTAssertEqual((0..<6).map { t.klWeight(epoch: $0) }, [0, 0.5, 1, 1.5, 2, 2])
        let json = try JSONEncoder().encode(t)
        XCTAssertEqual(try JSONDecoder().decode(TrainConfig.self, from: json), t)
        // A run file written before VAEs existed has neither key: β = 1, no warm-up.
        var object = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        object["beta"] = nil
        object["klWarmup"] = nil
        let old = try JSONDecoder().decode(TrainConfig.self, from: try JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(old.beta, 1)
        XCTAssertEqual(old.klWarmup, 0)
        t.beta = -1
        XCTAssertThrowsError(try t.validate())
    }
}

/// A short real training: VAE-MLP on 1,000 MNIST test-split images, the negative ELBO of 200 held-out images
/// measured before and after.
final class VAEMNISTTrainingTests: XCTestCase {
    /// The first `count` images of the shipped MNIST test split (IDX, gzip), scaled to [0, 1].
    func mnist(_ count: Int) throws -> ImageSet {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("data/mnist/t10k-images-idx3-ubyte.gz").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "no shipped MNIST at \(path)")
        let gunzip = Process(), pipe = Pipe()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gunzip.arguments = ["-c", "gzip -dc '\(path)'"]
        gunzip.standardOutput = pipe
        try gunzip.run()
        let bytes = [UInt8](pipe.fileHandleForReading.readDataToEndOfFile())
        gunzip.waitUntilExit()
        let d = 28 * 28
        XCTAssertGreaterThanOrEqual(bytes.count, 16 + count * d, "truncated MNIST file")
        let pixels = bytes[16..<(16 + count * d)].map { Float($0) / 255 }
        return ImageSet(images: pixels, labels: [Int32](repeating: 0, count: count), dims: Dims(1, 28, 28))
    }

    func testELBOFallsOnMNISTSubset() throws {
        let all = try mnist(1200)
        let train = all.subset(Array(0..<1000)), heldOut = all.subset(Array(1000..<1200))
        var t = TrainConfig()
        t.epochs = 4
        t.batchSize = 50
        t.loss = .bce
        t.klWarmup = 1
        t.optimizer = OptimizerConfig(kind: .adam, learningRate: 2e-3)
        let model = try Model(ModelConfig(kind: .vaeMLP, latent: 8, hidden: [256]))
        let trainer = try Trainer(model: model, config: t, train: train, validation: heldOut)
        // One thread: the result is the same for any count (kernel tests), and the time then does not depend on
        // how busy the machine is (OpenMP barriers spin badly when cores are oversubscribed).
        let (before, after) = try KernelRuntime.with(threads: 1) {
            let before = trainer.vaeObjective(heldOut)
            try trainer.fit()
            return (before, trainer.vaeObjective(heldOut))
        }
        print("VAE-MLP on 1000 MNIST images, 4 epochs: held-out -ELBO \(before.objective) → \(after.objective) nats "
              + "(reconstruction \(after.reconstruction), KL \(after.kl)); train loss \(trainer.history.map(\.trainLoss))")
        // An untrained decoder outputs ≈ 0.5 everywhere: ≈ 784 ln 2 ≈ 543 nats of reconstruction.
        XCTAssertGreaterThan(before.objective, 400)
        XCTAssertLessThan(after.objective, 0.5 * before.objective, "held-out negative ELBO must at least halve")
        XCTAssertGreaterThan(after.kl, 1, "the code carries information (no posterior collapse)")
        // fit() restored the best validation weights: their validation loss is exactly the held-out objective.
        XCTAssertEqual(trainer.best!.loss, after.objective, "validation loss of a VAE is its negative ELBO")
        XCTAssertLessThan(trainer.history.last!.trainLoss, trainer.history.first!.trainLoss)
    }
}
