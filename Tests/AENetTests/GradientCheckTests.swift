import AENet
import Kernels
import TestSupport
import XCTest

/// Whole-model gradient checks: for random directions v in parameter (and input) space, the directional
/// derivative from backward (g · v) must match the central difference (L(θ + h v) − L(θ − h v)) / 2h of
/// the model's own forward pass and loss.
final class GradientCheckTests: XCTestCase {
    /// Tiny data: `n` images of `dims` with smooth random values in (0.1, 0.9).
    func images(_ n: Int, _ dims: Dims, seed: UInt64) -> ImageSet {
        let values = randomFloats(n * dims.count, in: 0.1..<0.9, seed: seed)
        return ImageSet(images: values, labels: (0..<n).map { Int32($0 % 3) }, dims: dims)
    }

    /// Compares backward with central differences of the loss, one parameter tensor at a time, along a random
    /// direction, using `Trainer.lossAndGradient` (forward, loss and backward without an update) on one batch.
    /// Perturbing one tensor at a time keeps the step small in norm, so curvature stays below float32 noise;
    /// the error floor `1e-4` covers tensors whose directional derivative is itself near float32 resolution.
    func check(_ config: ModelConfig, train: TrainConfig = TrainConfig(), batch: Int = 2,
               h: Float = 1e-3, tolerance: Double = 3e-2, file: StaticString = #filePath, line: UInt = #line) throws {
        let set = images(batch, config.input, seed: 1)
        var tc = train
        tc.batchSize = batch
        let model = try Model(config)
        let trainer = try Trainer(model: model, config: tc, train: set, validation: nil)
        let named = model.namedParameters
        // Analytic gradient at θ.
        _ = trainer.lossAndGradient(indices: 0..<batch)
        let grads = named.map { $0.1.grad.array }
        var total = 0.0
        for (k, (name, p)) in named.enumerated() {
            let v = randomFloats(p.count, seed: UInt64(7 + k))
            let analytic = zip(grads[k], v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            func shifted(_ s: Float) -> Double {
                for i in 0..<p.count { p.value.pointer[i] += s * v[i] }
                defer { for i in 0..<p.count { p.value.pointer[i] -= s * v[i] } }
                return trainer.lossAndGradient(indices: 0..<batch)
            }
            let numeric = (shifted(h) - shifted(-h)) / Double(2 * h)
            total += abs(analytic)
            let err = abs(numeric - analytic) / max(abs(numeric), abs(analytic), 1e-4)
            XCTAssertLessThan(err, tolerance, "\(config.kind) \(name): analytic \(analytic) vs numeric \(numeric)",
                              file: file, line: line)
        }
        XCTAssertGreaterThan(total, 1e-4, "\(config.kind): the gradient vanished", file: file, line: line)
    }

    func testMLPAutoencoder() throws {
        try check(ModelConfig(kind: .mlp, input: Dims(1, 6, 6), latent: 3, hidden: [8, 5], activation: .leakyrelu))
    }

    func testMLPAutoencoderBCEWithL1() throws {
        var t = TrainConfig()
        t.loss = .bce
        t.l1 = 0.05
        try check(ModelConfig(kind: .mlp, input: Dims(1, 5, 5), latent: 4, hidden: [7], activation: .tanh), train: t)
    }

    func testClassifier() throws {
        try check(ModelConfig(kind: .classifier, input: Dims(1, 4, 4), hidden: [9, 6], classes: 3, activation: .tanh), batch: 3)
    }

    /// Conv models use tanh: with thousands of ReLU units a finite step crosses kinks; ReLU backward is
    /// checked in the kernel tests and the MLP check runs through LeakyReLU.
    func testCNN3() throws { try check(ModelConfig(kind: .cnn3, latent: 4, activation: .tanh), batch: 2) }
    func testCNN5() throws { try check(ModelConfig(kind: .cnn5, latent: 4, activation: .tanh), batch: 1) }
    func testConvBottleneck() throws { try check(ModelConfig(kind: .convbottleneck, latent: 4, activation: .tanh), batch: 2) }
}
