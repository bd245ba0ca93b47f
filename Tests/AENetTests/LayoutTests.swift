@testable import AENet
import Kernels
import TestSupport
import XCTest

/// Channels-last activations (`ActivationLayout`): a network must compute the same function and gradients in
/// either layout, with layout changes only where a layer reads NCHW order.
final class LayoutTests: XCTestCase {
    /// A small conv autoencoder with every kind of boundary: a 3-channel input (a layout change in), a flatten
    /// into a Linear (out), a Reshape into a ConvTranspose2d (in), optionally a dropout between convolutions, and a
    /// 2-channel image output (out).
    private func network(dropout: Bool) -> Sequential {
        Sequential("net", [
            Convolution(.conv, 3, 8, kernel: 3, stride: 2, padding: 1), Activation(.relu)]
            + (dropout ? [Dropout(0.25)] : []) + [
            Convolution(.conv, 8, 16, kernel: 3, stride: 2, padding: 1), Activation(.leakyRelu(slope: 0.2)),
            Linear(16 * 3 * 3, 5), Linear(5, 16 * 3 * 3), Reshape(Dims(16, 3, 3)),
            Convolution(.transposed, 16, 8, kernel: 3, stride: 2, padding: 1, outputPadding: 0), Activation(.relu),
            Convolution(.transposed, 8, 2, kernel: 3, stride: 2, padding: 1, outputPadding: 1), Activation(.sigmoid),
        ])
    }

    private struct Pass { var y: [Float], dx: [Float], grads: [[Float]], steps: [String] }

    private func run(channelsLast: Bool, dropout: Bool = false, training: Bool = true) throws -> Pass {
        let net = network(dropout: dropout), batch = 3, input = Dims(3, 10, 10)
        net.channelsLast = channelsLast
        try net.prepare(input: input, maxBatch: batch, needsInputGradient: true)
        net.initialize(seed: 5)
        let x = Buffer(randomFloats(batch * input.count, seed: 1))
        let y = net.forward(x.tensor(batch: batch, dims: input), context: PassContext(training: training, seed: 3, step: 1))
        let out = y.array
        let dy = Buffer(randomFloats(y.count, seed: 2))
        let dx = training ? net.backward(dy.tensor(batch: batch, dims: y.dims)).array : []
        let steps = Mirror(reflecting: net).children.first { $0.label == "steps" }?.value as? [Layer] ?? []
        return Pass(y: out, dx: dx, grads: net.namedParameters.map { $0.1.grad.array }, steps: steps.map(\.description))
    }

    func testChannelsLastMatchesNCHW() throws {
        let nchw = try run(channelsLast: false), cl = try run(channelsLast: true)
        XCTAssertEqual(nchw.steps.filter { $0.hasPrefix("To") }, [])
        XCTAssertEqual(cl.steps.filter { $0.hasPrefix("To") }, ["ToChannelsLast", "ToNCHW", "ToChannelsLast", "ToNCHW"])
        assertClose(cl.y, nchw.y, rtol: 1e-4, atol: 1e-6, "output")
        assertClose(cl.dx, nchw.dx, rtol: 1e-3, atol: 1e-5, "input gradient")
        for (k, (a, b)) in zip(cl.grads, nchw.grads).enumerated() {
            assertClose(a, b, rtol: 1e-3, atol: 1e-5, "parameter gradient \(k)")
        }
        XCTAssertGreaterThan(nchw.grads[0].map { abs($0) }.max() ?? 0, 1e-4, "the first convolution got a gradient")
    }

    /// Dropout draws by element position, so in training the layouts drop different elements; in evaluation
    /// (identity) the outputs agree.
    func testDropoutInEvaluation() throws {
        assertClose(try run(channelsLast: true, dropout: true, training: false).y,
                    try run(channelsLast: false, dropout: true, training: false).y, rtol: 1e-4, atol: 1e-6, "evaluation")
    }

    /// Batch norm over channels-last images (the DCGAN pair's layout): the same function and gradients.
    func testBatchNormChannelsLastMatchesNCHW() throws {
        func pass(_ channelsLast: Bool) throws -> (y: [Float], dx: [Float], grads: [[Float]]) {
            let net = Sequential("bn", [Convolution(.conv, 2, 20, kernel: 3, stride: 2, padding: 1), BatchNorm(20, group: 2),
                                        Activation(.leakyRelu(slope: 0.2)), Convolution(.conv, 20, 3, kernel: 3, stride: 1, padding: 1)])
            net.channelsLast = channelsLast
            let input = Dims(2, 9, 9)
            try net.prepare(input: input, maxBatch: 4, needsInputGradient: true)
            net.initialize(seed: 9)
            let x = Buffer(randomFloats(4 * input.count, seed: 4))
            let y = net.forward(x.tensor(batch: 4, dims: input), context: PassContext(training: true, seed: 1, step: 1))
            let out = y.array, dy = Buffer(randomFloats(y.count, seed: 5))
            let dx = net.backward(dy.tensor(batch: 4, dims: y.dims)).array
            return (out, dx, net.namedParameters.map { $0.1.grad.array } + net.namedBuffers.map { $0.1.value.array })
        }
        let nchw = try pass(false), cl = try pass(true)
        assertClose(cl.y, nchw.y, rtol: 1e-4, atol: 1e-5, "output")
        assertClose(cl.dx, nchw.dx, rtol: 1e-3, atol: 1e-5, "input gradient")
        for (k, (a, b)) in zip(cl.grads, nchw.grads).enumerated() {
            assertClose(a, b, rtol: 1e-3, atol: 1e-5, "parameter gradient or running statistic \(k)")
        }
    }
}
