import AENet
import KernelsReference
import TestSupport
import XCTest

/// The BatchNorm layer's modes: training normalises with the batch and moves the running statistics, evaluation
/// normalises with the running statistics and leaves them alone.
final class BatchNormLayerTests: XCTestCase {
    func testTrainingAndEvaluationModes() throws {
        let dims = Dims(3, 2, 2), batch = 5
        let bn = BatchNorm(3)
        try bn.prepare(input: dims, maxBatch: batch, needsInputGradient: true)
        XCTAssertEqual(bn.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(bn.buffers.map(\.name), ["running_mean", "running_var"])
        let x = Buffer(randomFloats(batch * dims.count, in: 1..<3, seed: 4))
        let input = x.tensor(batch: batch, dims: dims), ws = Buffer(count: 1)
        let gamma = [Float](repeating: 1, count: 3), beta = [Float](repeating: 0, count: 3)

        let evalBefore = Array(UnsafeBufferPointer(start: bn.forward(input, context: PassContext(training: false), workspace: ws.pointer).data,
                                                  count: x.count))
        assertClose(evalBefore, x.array, rtol: 1e-5, atol: 1e-5, "running mean 0, var 1: evaluation is the identity (up to ε)")
        XCTAssertEqual(bn.runningMean.value.array, [0, 0, 0], "evaluation does not move the running statistics")

        let y = bn.forward(input, context: PassContext(training: true), workspace: ws.pointer)
        let twin = Reference.batchNormForward(x.array.doubles, gamma: gamma.doubles, beta: beta.doubles, batch: batch, channels: 3, plane: 4,
                                              group: batch, runningMean: [0, 0, 0], runningVariance: [1, 1, 1])
        assertClose(Array(UnsafeBufferPointer(start: y.data, count: x.count)), twin.y, rtol: 1e-4, atol: 1e-4)
        assertClose(bn.runningMean.value.array, twin.runningMean, rtol: 1e-5, atol: 1e-6)
        assertClose(bn.runningVariance.value.array, twin.runningVariance, rtol: 1e-5, atol: 1e-6)

        let evalAfter = bn.forward(input, context: PassContext(training: false), workspace: ws.pointer)
        let expected = Reference.batchNormEvaluation(x.array.doubles, gamma: gamma.doubles, beta: beta.doubles,
                                                     runningMean: twin.runningMean, runningVariance: twin.runningVariance, channels: 3, plane: 4)
        assertClose(Array(UnsafeBufferPointer(start: evalAfter.data, count: x.count)), expected, rtol: 1e-5, atol: 1e-5)
        XCTAssertThrowsError(try bn.prepare(input: Dims(4, 2, 2), maxBatch: 1, needsInputGradient: false))
    }
}
