import AENet
import Foundation
import Kernels
import TestSupport
import XCTest

/// Spectral normalisation in GAN discriminators (`GANConfig.spectralNorm`): the layers it changes, its gradients
/// through whole networks, and its state in checkpoints. The kernels themselves: KernelsTests/SpectralNormTests.
extension GANTests {
    /// Every D weight normalised, D without batch norm, G untouched; u vectors are buffers named after their layer.
    func testSpectralNormLayout() throws {
        var c = GANConfig(architecture: .conv)
        c.spectralNorm = true
        let gan = try GAN(c)
        XCTAssertEqual(gan.discriminator.layers.map(\.description), ["Conv2d(1→64,k4,s2,p1,SN)", "LeakyReLU(0.2)",
            "Conv2d(64→128,k4,s2,p1,SN)", "LeakyReLU(0.2)", "Linear(6272→1,SN)"])
        XCTAssertEqual(gan.generator.layers.map(\.description), try GAN(GANConfig(architecture: .conv)).generator.layers.map(\.description))
        XCTAssertEqual(gan.discriminator.namedBuffers.map { "\($0.0) \($0.1.shape)" },
                       ["discriminator.0.spectral_u [64]", "discriminator.2.spectral_u [128]", "discriminator.4.spectral_u [1]"])
        var mlp = GANConfig(architecture: .mlp)
        mlp.spectralNorm = true
        XCTAssertEqual(try GAN(mlp).discriminator.layers.compactMap { ($0 as? Linear)?.spectralNorm?.rows }, [512, 256, 1])
        XCTAssertTrue(try GAN(mlp).generator.layers.allSatisfy { ($0 as? Linear)?.spectralNorm == nil })
    }

    /// Gradients of both losses through spectrally normalised discriminators (conv and MLP pairs, tanh) against
    /// central differences. The backward holds u and v constant, as the method defines it; the loss itself
    /// re-estimates σ from W + h·v at every call, which agrees to first order once u has converged to the top
    /// singular vector (σ is stationary there), so u is converged first.
    func testSpectralNormGradientsMatchFiniteDifferences() throws {
        for architecture in GANConfig.Architecture.allCases {
            let t = try trainer {
                $0.architecture = architecture; $0.noise = 3; $0.hidden = architecture == .conv ? [3, 4] : [5, 6]
                $0.activation = .tanh; $0.generatorActivation = .tanh; $0.batchSize = 4; $0.initialization = .he
                $0.spectralNorm = true
            }
            for _ in 0..<300 { _ = t.discriminatorLossAndGradient([0, 1, 2, 3]) }
            let sigmas = t.gan.discriminator.layers.compactMap { ($0 as? Linear)?.spectralNorm ?? ($0 as? Convolution)?.spectralNorm }
            XCTAssertEqual(sigmas.count, 3)
            XCTAssertTrue(sigmas.allSatisfy { $0.sigma > 0 && $0.sigma.isFinite })
            checkGradients(t.gan.generator.namedParameters, h: 1e-2) { t.generatorLossAndGradient() }
            checkGradients(t.gan.discriminator.namedParameters, h: 1e-2) { t.discriminatorLossAndGradient([0, 1, 2, 3]).loss }
        }
    }

    /// Scaling a D weight does not change D (W / σ is scale-free), and its gradient is orthogonal to W (⟨dW, W⟩ = 0:
    /// moving along W only rescales it).
    func testSpectralNormIsScaleInvariant() throws {
        let t = try trainer { $0.architecture = .conv; $0.hidden = [3, 4]; $0.spectralNorm = true }
        let d = t.gan.discriminator
        let before = t.gan.discriminate(t.train.images.pointer, count: 8)
        let conv = d.layers.compactMap { $0 as? Convolution }[1]
        for i in 0..<conv.weight.count { conv.weight.value.pointer[i] *= 3 }
        let after = t.gan.discriminate(t.train.images.pointer, count: 8)
        assertClose(after, before, rtol: 1e-5, atol: 1e-6)
        _ = t.discriminatorLossAndGradient(Array(0..<t.batchSize)[...])
        let along = zip(conv.weight.grad.array, conv.weight.value.array).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let scale = conv.weight.grad.array.reduce(0.0) { $0 + Double(abs($1)) } * conv.weight.value.array.map { Double(abs($0)) }.max()!
        XCTAssertLessThan(abs(along), 1e-4 * scale, "⟨dW, W⟩ = \(along)")
    }

    /// A checkpoint carries the u vectors: a fresh trainer restored from it rates images exactly as the trained D
    /// does; a config written before spectral normalisation existed decodes without it.
    func testSpectralNormCheckpointAndConfig() throws {
        let make = { try self.trainer { $0.architecture = .conv; $0.hidden = [4, 8]; $0.epochs = 2; $0.spectralNorm = true } }
        let t = try make()
        try t.fit()
        let copy = try make()
        func rate(_ x: GANTrainer) -> [Float] { x.gan.discriminate(t.train.images.pointer, count: 16) }
        XCTAssertNotEqual(rate(copy), rate(t))
        try copy.restore(t.checkpoint())
        XCTAssertEqual(rate(copy), rate(t))
        XCTAssertEqual(copy.gan.namedBuffers.map { $0.1.value.array }, t.gan.namedBuffers.map { $0.1.value.array })

        var c = GANConfig(architecture: .conv)
        c.spectralNorm = true
        XCTAssertEqual(try JSONDecoder().decode(GANConfig.self, from: try JSONEncoder().encode(c)), c)
        var json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(c)) as! [String: Any]
        json["spectralNorm"] = nil
        XCTAssertFalse(try JSONDecoder().decode(GANConfig.self, from: try JSONSerialization.data(withJSONObject: json)).spectralNorm)
    }
}
