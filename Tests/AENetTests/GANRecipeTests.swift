import AENet
import Foundation
import Kernels
import TestSupport
import XCTest

/// A generator with its own widths (`GANConfig.generatorHidden`, `ae train --g-hidden`): the layers it builds, its
/// gradients, and how it is stored.
extension GANTests {
    /// gan-conv: G = Linear z→256·7·7 (z of 64, the config's default), ConvT 256→128, ConvT 128→1 beside the standard D (64, 128); gan-mlp: G's widths
    /// noise side first, D still mirrors `hidden`.
    func testGeneratorWidthsOfItsOwn() throws {
        var c = GANConfig(architecture: .conv)
        c.generatorHidden = [128, 256]
        let gan = try GAN(c)
        try gan.prepare(batch: 2)
        XCTAssertEqual(gan.generator.outputDims, Dims(1, 28, 28))
        XCTAssertEqual(gan.generator.layers.map(\.description), ["Linear(64→12544)", "Reshape(256x7x7)", "BatchNorm(256)", "ReLU",
            "ConvTranspose2d(256→128,k4,s2,p1,op0)", "BatchNorm(128)", "ReLU", "ConvTranspose2d(128→1,k4,s2,p1,op0)", "Sigmoid"])
        XCTAssertEqual(gan.discriminator.layers.map(\.description),
                       try GAN(GANConfig(architecture: .conv)).discriminator.layers.map(\.description))
        // A G one level deeper than D: G doubles exactly, and 28 = 4·7 is no multiple of 8.
        c.generatorHidden = [32, 64, 128]
        XCTAssertThrowsError(try GAN(c))
        // A D one level deeper than G: D halves with rounding down, 28 → 14 → 7 → 3.
        var deep = GANConfig(architecture: .conv)
        (deep.hidden, deep.generatorHidden) = ([64, 128, 256], [64, 128])
        let deepGAN = try GAN(deep)
        try deepGAN.prepare(batch: 2)
        XCTAssertEqual(deepGAN.discriminator.layers.map(\.description), ["Conv2d(1→64,k4,s2,p1)", "LeakyReLU(0.2)",
            "Conv2d(64→128,k4,s2,p1)", "BatchNorm(128)", "LeakyReLU(0.2)", "Conv2d(128→256,k4,s2,p1)", "BatchNorm(256)",
            "LeakyReLU(0.2)", "Linear(2304→1)"])
        XCTAssertEqual(deepGAN.generator.outputDims, Dims(1, 28, 28))
        deep.hidden = [8, 8, 8, 8, 8]
        XCTAssertThrowsError(try deep.validate(), "28 halves to 0 after five convolutions")
        c.image = Dims(1, 32, 32)
        XCTAssertEqual(try GAN(c).generator.layers.first?.description, "Linear(64→2048)")
        XCTAssertEqual(try GAN(c).discriminator.layers.last?.description, "Linear(8192→1)")

        var mlp = GANConfig(architecture: .mlp)
        (mlp.hidden, mlp.generatorHidden) = ([32], [16, 48])
        let m = try GAN(mlp)
        XCTAssertEqual(m.generator.layers.compactMap { ($0 as? Linear)?.description }, ["Linear(64→16)", "Linear(16→48)", "Linear(48→784)"])
        XCTAssertEqual(m.discriminator.layers.compactMap { ($0 as? Linear)?.description }, ["Linear(784→32)", "Linear(32→1)"])
        mlp.generatorHidden = [16, 0]
        XCTAssertThrowsError(try mlp.validate())
    }

    /// Gradients through a conv G wider than its D (8×8 images, tanh, batch norm) against central differences.
    func testWiderGeneratorGradientsMatchFiniteDifferences() throws {
        let t = try trainer {
            $0.architecture = .conv; $0.noise = 3; $0.hidden = [3, 4]; $0.generatorHidden = [5, 2]
            $0.activation = .tanh; $0.generatorActivation = .tanh; $0.batchSize = 4; $0.initialization = .he
        }
        XCTAssertEqual(t.gan.generator.layers.compactMap { ($0 as? BatchNorm)?.channels }, [2, 5])
        checkGradients(t.gan.generator.namedParameters, h: 1e-2) { t.generatorLossAndGradient() }
        checkGradients(t.gan.discriminator.namedParameters, h: 1e-2) { t.discriminatorLossAndGradient([0, 1, 2, 3]).loss }
    }

    /// A discriminator one level deeper than its generator at MNIST scale (28 → 14 → 7 → 3: an odd input to the last
    /// k4 s2 convolution, batch norm on 3×3 maps), gradients against central differences.
    func testDeeperDiscriminatorGradientsAtMNISTScale() throws {
        var c = GANConfig(architecture: .conv)
        (c.hidden, c.generatorHidden, c.noise, c.batchSize) = ([4, 6, 8], [4, 6], 5, 16)
        (c.activation, c.generatorActivation, c.initialization) = (.tanh, .tanh, .he)
        let set = ImageSet(images: randomFloats(16 * 784, in: 0..<1, seed: 8), labels: [Int32](repeating: 0, count: 16),
                           dims: Dims(1, 28, 28))
        let t = try GANTrainer(gan: try GAN(c), train: set)
        XCTAssertEqual(t.gan.discriminator.layers.last?.description, "Linear(72→1)")
        checkGradients(t.gan.generator.namedParameters, h: 1e-2) { t.generatorLossAndGradient() }
        checkGradients(t.gan.discriminator.namedParameters, h: 1e-2) { t.discriminatorLossAndGradient(Array(0..<16)[...]).loss }
    }

    /// Stored only when set, so the JSON of every other run is what it was; runs written before it decode as empty.
    func testGeneratorWidthsRoundTrip() throws {
        var c = GANConfig(architecture: .conv)
        let plain = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(c)) as! [String: Any]
        XCTAssertNil(plain["generatorHidden"])
        XCTAssertEqual(try JSONDecoder().decode(GANConfig.self, from: try JSONEncoder().encode(c)).generatorHidden, [])
        c.generatorHidden = [128, 256]
        let back = try JSONDecoder().decode(GANConfig.self, from: try JSONEncoder().encode(c))
        XCTAssertEqual(back, c)
        XCTAssertEqual(back.resolvedGeneratorHidden, [128, 256])
        XCTAssertEqual(GANConfig(architecture: .conv).resolvedGeneratorHidden, [64, 128])
    }
}

/// The hinge objective (`GANConfig.objective`, `ae train --gan-loss hinge`). The loss kernels themselves:
/// KernelsTests/LossTests.testHingeLossesMatchTwinAndFiniteDifferences.
extension GANTests {
    /// Both losses' gradients through whole networks (MLP and conv pairs, tanh) against central differences, and
    /// their values at a D that says 0 for everything: D's hinge loss 2 (1 per half), G's 0.
    func testHingeObjectiveGradientsMatchFiniteDifferences() throws {
        for architecture in GANConfig.Architecture.allCases {
            let t = try trainer {
                $0.architecture = architecture; $0.noise = 3; $0.hidden = architecture == .conv ? [3, 4] : [5, 6]
                $0.activation = .tanh; $0.generatorActivation = .tanh; $0.batchSize = 4; $0.initialization = .he
                $0.objective = .hinge
            }
            checkGradients(t.gan.generator.namedParameters, h: 1e-2) { t.generatorLossAndGradient() }
            checkGradients(t.gan.discriminator.namedParameters, h: 1e-2) { t.discriminatorLossAndGradient([0, 1, 2, 3]).loss }
            for (_, p) in t.gan.discriminator.namedParameters { p.value.zero() }
            XCTAssertEqual(t.discriminatorLossAndGradient([0, 1, 2, 3]).loss, 2, accuracy: 1e-6, "\(architecture)")
            XCTAssertEqual(t.generatorLossAndGradient(), 0, accuracy: 1e-6, "\(architecture)")
        }
    }

    /// A short hinge run stays finite and separates D's outputs on real and fake; label smoothing is refused.
    func testHingeTrainingSeparatesRealFromFake() throws {
        let t = try trainer { $0.objective = .hinge }
        try t.fit()
        XCTAssertTrue(t.history.allSatisfy { $0.discriminatorLoss.isFinite && $0.generatorLoss.isFinite })
        XCTAssertGreaterThan(t.history.last!.realScore, t.history.last!.fakeScore)
        XCTAssertLessThan(t.history.last!.discriminatorLoss, 2, "D does better than a constant output")
        var c = GANConfig()
        (c.objective, c.realLabel) = (.hinge, 0.9)
        XCTAssertThrowsError(try c.validate())
        let plain = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(GANConfig())) as! [String: Any]
        XCTAssertNil(plain["objective"], "the default objective is not written: other runs' JSON is unchanged")
        c.realLabel = 1
        XCTAssertEqual(try JSONDecoder().decode(GANConfig.self, from: try JSONEncoder().encode(c)).objective, .hinge)
    }
}
