import AENet
import Foundation
import Kernels
import TestSupport
import XCTest

final class GANTests: XCTestCase {
    /// `n` images of `dims`: 4 random prototypes plus small noise, in [0, 1].
    func prototypes(_ n: Int, _ dims: Dims, seed: UInt64) -> ImageSet {
        let protos = (0..<4).map { randomFloats(dims.count, in: 0..<1, seed: 500 + UInt64($0)) }
        let noise = randomFloats(n * dims.count, in: -0.05..<0.05, seed: seed)
        let values = (0..<n).flatMap { i in protos[i % 4].enumerated().map { min(1, max(0, $1 + noise[i * dims.count + $0])) } }
        return ImageSet(images: values, labels: (0..<n).map { Int32($0 % 4) }, dims: dims)
    }

    func trainer(_ configure: (inout GANConfig) -> Void = { _ in }) throws -> GANTrainer {
        var c = GANConfig()
        c.image = Dims(1, 8, 8)
        c.noise = 8
        c.hidden = [32]
        c.batchSize = 16
        c.epochs = 6
        c.optimizer.learningRate = 2e-3
        configure(&c)
        return try GANTrainer(gan: try GAN(c), train: prototypes(64, c.image, seed: 1))
    }

    /// Directional derivatives g · v of `lossAndGradient` for every tensor of `parameters`, against central
    /// differences of the same loss (which must not depend on anything else that changes between calls). The
    /// difference of two float losses is exact only to a few units in their last place: that much error
    /// (`noise`, 4 ulp / 2h) is forgiven, which matters for derivatives that are zero in exact arithmetic (a bias
    /// in front of batch norm), where the numeric side is all rounding.
    func checkGradients(_ parameters: [(String, Parameter)], h: Float = 1e-3, tolerance: Double = 2e-2,
                        _ lossAndGradient: () -> Double, file: StaticString = #filePath, line: UInt = #line) {
        let noise = 4 * Double(Float(lossAndGradient()).ulp) / Double(2 * h)
        let grads = parameters.map { $0.1.grad.array }
        for (k, (name, p)) in parameters.enumerated() {
            let v = randomFloats(p.count, seed: UInt64(11 + k))
            let analytic = zip(grads[k], v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            func shifted(_ s: Float) -> Double {
                for i in 0..<p.count { p.value.pointer[i] += s * v[i] }
                defer { for i in 0..<p.count { p.value.pointer[i] -= s * v[i] } }
                return lossAndGradient()
            }
            let numeric = (shifted(h) - shifted(-h)) / Double(2 * h)
            let err = max(0, abs(numeric - analytic) - noise) / max(abs(numeric), abs(analytic), 1e-4)
            XCTAssertLessThan(err, tolerance, "\(name): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
        }
    }

    /// Tiny tanh networks: the generator's gradient flows through the discriminator into G's parameters.
    func testGeneratorAndDiscriminatorGradientsMatchFiniteDifferences() throws {
        let t = try trainer { $0.image = Dims(1, 3, 3); $0.noise = 4; $0.hidden = [5, 6]; $0.activation = .tanh; $0.batchSize = 3 }
        checkGradients(t.gan.generator.namedParameters) { t.generatorLossAndGradient() }
        checkGradients(t.gan.discriminator.namedParameters) { t.discriminatorLossAndGradient([0, 1, 2]).loss }
        // The losses at initialisation: D outputs ≈ 1/2, so both are near their chance values 2 ln 2 and ln 2.
        XCTAssertEqual(t.discriminatorLossAndGradient([0, 1, 2]).loss, 2 * log(2), accuracy: 0.5)
        XCTAssertEqual(t.generatorLossAndGradient(), log(2), accuracy: 0.5)
    }

    /// The DCGAN-style pair on 8×8 images (channels 3, 4: 8 → 4 → 2 and back), tanh so differences are exact, with
    /// batch norm (G: after the Linear and the hidden ConvT; D: after the second conv, real and fake halves apart)
    /// and without. Batch norm couples the samples of a batch, so these check the batch-statistics backward too.
    func testConvGeneratorAndDiscriminatorGradientsMatchFiniteDifferences() throws {
        for batchNorm in [true, false] {
            let t = try trainer {
                $0.architecture = .conv; $0.noise = 3; $0.hidden = [3, 4]; $0.activation = .tanh; $0.generatorActivation = .tanh
                $0.batchSize = 4; $0.batchNorm = batchNorm
                // He's larger weights: with DCGAN's N(0, 0.02²) a step of h = 1e-2 would change them by half.
                $0.initialization = .he
            }
            XCTAssertEqual(t.gan.generator.outputDims, Dims(1, 8, 8))
            XCTAssertTrue(t.gan.generator.layers.contains { ($0 as? Convolution)?.kind == .transposed })
            XCTAssertTrue(t.gan.discriminator.layers.contains { ($0 as? Convolution)?.stride == 2 })
            let norms = [t.gan.generator, t.gan.discriminator].map { $0.layers.compactMap { $0 as? BatchNorm }.map(\.channels) }
            XCTAssertEqual(norms, batchNorm ? [[4, 3], [4]] : [[], []])
            XCTAssertEqual(t.gan.discriminator.layers.compactMap { ($0 as? BatchNorm)?.group }, batchNorm ? [4] : [])
            // The generator's first layer sits five layers from the loss: its directional derivative is ~1e-3, so a
            // larger step keeps the float32 loss difference well above rounding (tanh keeps the O(h²) error small).
            checkGradients(t.gan.generator.namedParameters, h: 1e-2) { t.generatorLossAndGradient() }
            checkGradients(t.gan.discriminator.namedParameters, h: 1e-2) { t.discriminatorLossAndGradient([0, 1, 2, 3]).loss }
        }
    }

    /// The same at MNIST scale (28×28, batch 64, the k4 s2 geometry of gan-conv with fewer channels, batch norm): the
    /// conv kernels take their batched paths here, which the 8×8 check does not reach.
    func testConvGradientsAtMNISTScale() throws {
        var c = GANConfig(architecture: .conv)
        (c.hidden, c.noise, c.batchSize, c.activation, c.generatorActivation) = ([8, 16], 10, 64, .tanh, .tanh)
        c.initialization = .he  // as above
        let set = ImageSet(images: randomFloats(64 * 784, in: 0..<1, seed: 3), labels: [Int32](repeating: 0, count: 64),
                           dims: Dims(1, 28, 28))
        let t = try GANTrainer(gan: try GAN(c), train: set)
        checkGradients(t.gan.generator.namedParameters, h: 1e-2) { t.generatorLossAndGradient() }
        checkGradients(t.gan.discriminator.namedParameters, h: 1e-2) { t.discriminatorLossAndGradient(Array(0..<64)[...]).loss }
    }

    /// MNIST-sized DCGAN pair: the layer shapes of the issue (z → 128·7·7, ConvT 128→64→1; Conv 1→64→128, Linear → 1),
    /// batch norm where DCGAN puts it, and the old layout without it (the parameter names of runs trained before).
    func testConvArchitectureOnMNISTShapes() throws {
        let gan = try GAN(GANConfig(architecture: .conv))
        try gan.prepare(batch: 2)
        XCTAssertEqual(gan.generator.outputDims, Dims(1, 28, 28))
        XCTAssertEqual(gan.discriminator.outputDims, .features(1))
        let shapes = gan.namedParameters.filter { $0.0.hasSuffix("weight") }.map { $0.1.shape }
        XCTAssertEqual(shapes, [[6272, 64], [128], [128, 64, 4, 4], [64], [64, 1, 4, 4], [64, 1, 4, 4], [128, 64, 4, 4], [128], [1, 6272]])
        XCTAssertEqual(gan.generator.layers.map(\.description), ["Linear(64→6272)", "Reshape(128x7x7)", "BatchNorm(128)", "ReLU",
            "ConvTranspose2d(128→64,k4,s2,p1,op0)", "BatchNorm(64)", "ReLU", "ConvTranspose2d(64→1,k4,s2,p1,op0)", "Sigmoid"])
        XCTAssertEqual(gan.discriminator.layers.map(\.description), ["Conv2d(1→64,k4,s2,p1)", "LeakyReLU(0.2)", "Conv2d(64→128,k4,s2,p1)",
            "BatchNorm(128)", "LeakyReLU(0.2)", "Linear(6272→1)"])
        // Running statistics are buffers: saved with the parameters, invisible to the optimiser.
        XCTAssertEqual(gan.namedBuffers.map(\.0), ["generator.2.running_mean", "generator.2.running_var", "generator.5.running_mean",
            "generator.5.running_var", "discriminator.3.running_mean", "discriminator.3.running_var"])
        XCTAssertFalse(gan.namedParameters.contains { $0.0.contains("running") })
        XCTAssertEqual(Set(gan.parameterValues.keys).count, gan.namedParameters.count + 6)
        var old = GANConfig(architecture: .conv)
        old.batchNorm = false
        XCTAssertEqual(try GAN(old).namedParameters.map(\.0), ["generator.0.weight", "generator.0.bias", "generator.3.weight",
            "generator.3.bias", "generator.5.weight", "generator.5.bias", "discriminator.0.weight", "discriminator.0.bias",
            "discriminator.2.weight", "discriminator.2.bias", "discriminator.4.weight", "discriminator.4.bias"])
        XCTAssertThrowsError(try GAN({ var c = GANConfig(architecture: .conv); c.image = Dims(1, 30, 30); return c }()))
    }

    /// A checkpoint carries the running statistics: a fresh trainer restored from it samples (evaluation mode, running
    /// statistics) exactly like the trained one; without them (initial 0 / 1) the samples differ.
    func testCheckpointRestoresRunningStatistics() throws {
        let t = try trainer { $0.architecture = .conv; $0.hidden = [4, 8]; $0.epochs = 2 }
        try t.fit()
        let stats = t.gan.namedBuffers.map { $0.1.value.array }
        XCTAssertTrue(stats.allSatisfy { s in s.contains { $0 != 0 && $0 != 1 } }, "running statistics moved: \(stats)")
        let copy = try trainer { $0.architecture = .conv; $0.hidden = [4, 8]; $0.epochs = 2 }
        let untouched = copy.gan.sample(count: 8, seed: 2)
        var withoutStats = t.checkpoint()
        for (name, _) in t.gan.namedBuffers { withoutStats.parameters[name] = nil }
        XCTAssertThrowsError(try copy.restore(withoutStats), "a checkpoint without running statistics is incomplete")
        try copy.restore(t.checkpoint())
        XCTAssertEqual(copy.gan.namedBuffers.map { $0.1.value.array }, stats)
        XCTAssertEqual(copy.gan.sample(count: 8, seed: 2), t.gan.sample(count: 8, seed: 2))
        XCTAssertNotEqual(untouched, t.gan.sample(count: 8, seed: 2))
    }

    /// DCGAN initialisation: every linear and convolution weight N(0, 0.02²), biases 0, batch norm γ = 1; He otherwise.
    func testDCGANInitialisation() throws {
        for initialization in GANConfig.Initialization.allCases {
            var c = GANConfig(architecture: .conv)
            c.initialization = initialization
            let gan = try GAN(c)
            gan.initialize(seed: 3)
            for (name, p) in gan.namedParameters where p.shape.count > 1 {
                let v = p.value.array.map(Double.init), n = Double(v.count)
                let mean = v.reduce(0, +) / n, std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
                // He uniform has std sqrt(2 / fanIn): 0.18 for the stem Linear (fan-in 64), 0.35 for D's first conv (fan-in 16).
                if initialization == .dcgan {
                    XCTAssertEqual(std, 0.02, accuracy: 4 * 0.02 / (2 * n).squareRoot(), name)  // 4 standard errors
                } else {
                    XCTAssertGreaterThan(std, 0.015, name)
                    if name == "discriminator.0.weight" { XCTAssertEqual(std, (2.0 / 16).squareRoot(), accuracy: 0.05) }
                }
                XCTAssertEqual(mean, 0, accuracy: 4 * std / n.squareRoot() + 1e-6, name)
            }
            XCTAssertTrue(gan.namedParameters.filter { $0.0.hasSuffix("bias") }.allSatisfy { $0.1.value.array.allSatisfy { $0 == 0 } })
        }
    }

    func testConfigRoundTripsThroughJSON() throws {
        var c = GANConfig(architecture: .conv)
        c.activation = .leakyRelu(slope: 0.1)
        c.discriminatorSteps = 3
        let back = try JSONDecoder().decode(GANConfig.self, from: try JSONEncoder().encode(c))
        XCTAssertEqual(back, c)
        c.generatorActivation = .tanh
        c.batchNorm = false
        c.initialization = .dcgan
        XCTAssertEqual(try JSONDecoder().decode(GANConfig.self, from: try JSONEncoder().encode(c)), c)
        // A configuration written before batch norm existed rebuilds the network it trained: no batch norm.
        var json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(GANConfig(architecture: .conv))) as! [String: Any]
        json["batchNorm"] = nil
        json["initialization"] = nil
        let old = try JSONDecoder().decode(GANConfig.self, from: try JSONSerialization.data(withJSONObject: json))
        XCTAssertFalse(old.batchNorm)
        XCTAssertEqual(old.resolvedInitialization, .he)
        XCTAssertEqual(GANConfig(architecture: .conv).resolvedInitialization, .dcgan)
        XCTAssertEqual(GANConfig(architecture: .mlp).resolvedInitialization, .he)
        XCTAssertEqual(old.resolvedGeneratorActivation, .leakyRelu(slope: 0.2))
        XCTAssertEqual(GANConfig(architecture: .conv).resolvedGeneratorActivation, .relu)
        XCTAssertNil(old.ema, "runs written before EMA existed have none")
        c.ema = 0.999
        XCTAssertEqual(try JSONDecoder().decode(GANConfig.self, from: try JSONEncoder().encode(c)), c)
        for bad: Float in [1, -0.1, .nan] { c.ema = bad; XCTAssertThrowsError(try c.validate(), "ema \(bad)") }
        XCTAssertEqual(GANConfig.activation(named: "leakyrelu"), .leakyRelu(slope: 0.2))
        XCTAssertNil(GANConfig.activation(named: "leakyrelu:x"))
    }

    func testShortTrainingStaysFiniteAndMovesTheDiscriminator() throws {
        let t = try trainer()
        try t.fit()
        print("GAN 8x8 prototypes: " + t.history.map {
            String(format: "D %.3f G %.3f D(x) %.3f D(G(z)) %.3f", $0.discriminatorLoss, $0.generatorLoss, $0.realScore, $0.fakeScore)
        }.joined(separator: " | "))
        XCTAssertEqual(t.history.count, 6)
        XCTAssertEqual(t.discriminatorStep, 24)
        XCTAssertEqual(t.generatorStep, 24)
        for r in t.history {
            XCTAssertTrue([r.discriminatorLoss, r.generatorLoss, r.realScore, r.fakeScore].allSatisfy(\.isFinite), "\(r)")
            XCTAssertTrue(r.realScore > 0 && r.realScore < 1 && r.fakeScore > 0 && r.fakeScore < 1, "\(r)")
        }
        // The discriminator learns to tell the prototypes from the fakes: D(x) − D(G(z)) opens up from ≈ 0.
        let gap = { (r: GANEpochRecord) in r.realScore - r.fakeScore }
        XCTAssertGreaterThan(gap(t.history.max { gap($0) < gap($1) }!), 0.1)
        let samples = t.gan.sample(count: 20, seed: 3)
        XCTAssertEqual(samples.count, 20 * 64)
        XCTAssertTrue(samples.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(t.gan.sample(count: 20, seed: 3), samples)
        XCTAssertNotEqual(t.gan.sample(count: 20, seed: 4), samples)
    }

    /// After a few generator steps the average is exactly the hand-computed recursion e ← d·e + (1 − d)·w over the
    /// raw weights after each step, starting from the initial weights.
    func testEMAMatchesHandComputation() throws {
        let decay: Float = 0.9
        let t = try trainer { $0.ema = decay }
        let average = try XCTUnwrap(t.average)
        func raw() -> [[Double]] { t.gan.generator.namedParameters.map { $0.1.value.array.map(Double.init) } }
        func averaged() -> [[Float]] { average.generator.namedParameters.map { $0.1.value.array } }
        var expected = raw()
        XCTAssertEqual(averaged(), expected.map { $0.map(Float.init) }, "the average starts at the initial weights")
        let d = Double(decay)
        for step in 0..<4 {
            _ = t.benchmarkStep(indices: (16 * step)..<(16 * step + 16))
            expected = zip(expected, raw()).map { e, w in zip(e, w).map { d * $0 + (1 - d) * $1 } }
        }
        XCTAssertEqual(t.generatorStep, 4)
        for (k, (got, want)) in zip(averaged(), expected).enumerated() {
            let err = zip(got, want).map { abs(Double($0) - $1) }.max()!
            XCTAssertLessThan(err, 1e-6, "tensor \(k)")
        }
        // The average lags the raw weights: after 4 steps with d = 0.9 it is mostly the initial weights.
        XCTAssertNotEqual(averaged(), raw().map { $0.map(Float.init) })
    }

    /// Decay 0 keeps no history: the average is bitwise the raw generator. The conv pair's averaged batch norm
    /// statistics are re-estimated as a cumulative mean over fixed noise, so re-estimating again changes nothing.
    func testEMADecayZeroIsTheRawGenerator() throws {
        let t = try trainer { $0.architecture = .conv; $0.hidden = [4, 8]; $0.epochs = 2; $0.ema = 0 }
        try t.fit()
        let average = try XCTUnwrap(t.average)
        XCTAssertEqual(average.generator.namedParameters.map { $0.1.value.array }, t.gan.generator.namedParameters.map { $0.1.value.array })
        let stats = average.generator.namedBuffers.map { $0.1.value.array }
        XCTAssertEqual(stats.count, 4)
        XCTAssertTrue(stats.allSatisfy { s in s.contains { $0 != 0 && $0 != 1 } }, "re-estimated statistics: \(stats)")
        average.recalibrate(seed: t.config.seed)
        XCTAssertEqual(average.generator.namedBuffers.map { $0.1.value.array }, stats)
        XCTAssertEqual(t.gan.sample(count: 8, seed: 2, using: average.generator), t.gan.sample(count: 8, seed: 2, using: average.generator))
        // The checkpoint carries the average; a trainer restored from it has the same one.
        let copy = try trainer { $0.architecture = .conv; $0.hidden = [4, 8]; $0.epochs = 2; $0.ema = 0 }
        try copy.restore(t.checkpoint())
        XCTAssertEqual(copy.average?.generator.parameterValues, average.generator.parameterValues)
        var without = t.checkpoint()
        without.average = nil
        XCTAssertThrowsError(try copy.restore(without), "a checkpoint of an EMA run without the average is incomplete")
    }

    /// Truncated noise lies within ±ψ, keeps every value that already did, depends only on the seed, and a ψ beyond
    /// every draw is plain N(0, I).
    func testTruncatedNoise() throws {
        let gan = try GAN({ var c = GANConfig(); c.noise = 16; return c }())
        let plain = gan.noise(count: 500, seed: 7)
        for psi: Float in [0.5, 1] {
            let z = gan.noise(count: 500, seed: 7, truncation: psi)
            XCTAssertEqual(z.count, plain.count)
            XCTAssertTrue(z.allSatisfy { abs($0) <= psi }, "ψ = \(psi)")
            XCTAssertTrue(zip(plain, z).allSatisfy { abs($0) > psi || $0 == $1 }, "values inside ±ψ are kept")
            let redrawn = zip(plain, z).filter { abs($0.0) > psi }
            XCTAssertGreaterThan(redrawn.count, psi == 1 ? 1000 : 4000, "about 32 % (ψ 1) or 62 % (ψ 0.5) of 8 000 values")
            XCTAssertTrue(redrawn.allSatisfy { abs($0.1) < psi }, "redrawn from the distribution, not clamped")
            XCTAssertEqual(gan.noise(count: 500, seed: 7, truncation: psi), z)
            XCTAssertNotEqual(gan.noise(count: 500, seed: 8, truncation: psi), z)
        }
        XCTAssertEqual(gan.noise(count: 500, seed: 7, truncation: 100), plain)
    }

    /// The schedule sets both networks' learning rate per epoch; a linear decay's last epoch keeps half the previous
    /// rate, not 0. Epoch 1 of a decayed run is the constant run's epoch 1; later epochs differ.
    func testScheduleSetsTheLearningRatePerEpoch() throws {
        var c = GANConfig()
        c.epochs = 5
        c.optimizer.learningRate = 1e-3
        c.schedule = .linear(final: 0)
        for (epoch, want) in [1e-3, 7.5e-4, 5e-4, 2.5e-4, 1.25e-4].enumerated() {
            XCTAssertEqual(c.learningRate(epoch: epoch), Float(want), accuracy: 1e-9, "epoch \(epoch)")
        }
        c.schedule = .exponential(gamma: 0.5)
        XCTAssertEqual(c.learningRate(epoch: 2), 2.5e-4, accuracy: 1e-9)
        XCTAssertEqual(try JSONDecoder().decode(GANConfig.self, from: try JSONEncoder().encode(c)), c)
        let constant = try trainer { $0.epochs = 2 }, decayed = try trainer { $0.epochs = 2; $0.schedule = .linear(final: 0) }
        func weights(_ t: GANTrainer) -> [[Float]] { t.gan.namedParameters.map { $0.1.value.array } }
        _ = try constant.runEpoch()
        _ = try decayed.runEpoch()
        XCTAssertEqual(weights(constant), weights(decayed))
        XCTAssertEqual(decayed.learningRate, 1e-3, "the last epoch of 2: half of epoch 1's 2e-3")
        _ = try constant.runEpoch()
        _ = try decayed.runEpoch()
        XCTAssertNotEqual(weights(constant), weights(decayed))
    }

    /// `discriminatorLearningRate` sets D's rate only, scheduled like G's: with it equal to G's the run is the default
    /// run bit for bit; with it a hundredth of G's, D's weights move far less in an epoch.
    func testDiscriminatorLearningRate() throws {
        var c = GANConfig()
        (c.epochs, c.optimizer.learningRate, c.schedule, c.discriminatorLearningRate) = (4, 1e-3, .linear(final: 0), 2.5e-4)
        XCTAssertEqual(c.learningRate(epoch: 1), 1e-3 * 2 / 3, accuracy: 1e-10)
        XCTAssertEqual(c.discriminatorLearningRate(epoch: 1), 1e-3 / 4 * 2 / 3, accuracy: 1e-10, "a quarter of G's")
        XCTAssertEqual(try JSONDecoder().decode(GANConfig.self, from: try JSONEncoder().encode(c)), c)
        c.discriminatorLearningRate = 0
        XCTAssertThrowsError(try c.validate())
        let base = try trainer(), same = try trainer { $0.discriminatorLearningRate = $0.optimizer.learningRate }
        let slow = try trainer { $0.discriminatorLearningRate = $0.optimizer.learningRate / 100 }
        let start = base.gan.discriminator.namedParameters.map { $0.1.value.array }
        for t in [base, same, slow] { _ = try t.runEpoch() }
        func weights(_ t: GANTrainer) -> [[Float]] { t.gan.namedParameters.map { $0.1.value.array } }
        XCTAssertEqual(weights(same), weights(base))
        func moved(_ t: GANTrainer) -> Float {
            zip(t.gan.discriminator.namedParameters.map { $0.1.value.array }, start)
                .map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
        }
        XCTAssertLessThan(moved(slow), moved(base) / 10, "D at a hundredth of the rate moves far less")
    }

    /// The generator step back-propagates through D for G's gradients only: D's weight gradients keep what its last
    /// step wrote (batch norm's γ/β aside), and are computed again by the next discriminator step. G's gradients
    /// are checked against finite differences above.
    func testGeneratorStepLeavesTheDiscriminatorsGradients() throws {
        let t = try trainer { $0.architecture = .conv; $0.hidden = [4, 8] }
        _ = t.discriminatorLossAndGradient(Array(0..<16)[...])
        let weights = t.gan.discriminator.layers.filter { $0 is Convolution || $0 is Linear }.flatMap(\.parameters)
        XCTAssertEqual(weights.count, 6)
        let before = weights.map(\.grad.array)
        XCTAssertTrue(before.allSatisfy { $0.contains { $0 != 0 } })
        _ = t.generatorLossAndGradient()
        XCTAssertEqual(weights.map(\.grad.array), before)
        XCTAssertTrue(t.gan.discriminator.namedParameters.allSatisfy { $0.1.wantsGradient }, "switched back on")
        _ = t.discriminatorLossAndGradient(Array(16..<32)[...])
        XCTAssertNotEqual(weights.map(\.grad.array), before)
    }

    func testSeededAndKDiscriminatorSteps() throws {
        func weights(seed: UInt64, k: Int = 1) throws -> (GANTrainer, [[Float]]) {
            let t = try trainer { $0.seed = seed; $0.epochs = 2; $0.discriminatorSteps = k }
            try t.fit()
            return (t, t.gan.namedParameters.map { $0.1.value.array })
        }
        let a = try weights(seed: 5).1, b = try weights(seed: 5).1, c = try weights(seed: 6).1
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        let (two, _) = try weights(seed: 5, k: 2)
        XCTAssertEqual(two.discriminatorStep, 8)
        XCTAssertEqual(two.generatorStep, 4)
        XCTAssertThrowsError(try GAN({ var c = GANConfig(); c.discriminatorSteps = 0; return c }()))
    }
}
