import Kernels
import KernelsReference
import TestSupport
import XCTest

/// Everything one training forward + backward of the C batch norm produces; buffers start NaN so an unwritten
/// element shows up.
private struct NormRun: Equatable {
    var y: [Float], mean: [Float], invstd: [Float], runningMean: [Float], runningVariance: [Float]
    var dx: [Float], dgamma: [Float], dbeta: [Float]
}

private func runNorm(_ x: [Float], gamma: [Float], beta: [Float], dy: [Float], shape s: BatchNormKernel.Shape,
                     running: (mean: [Float], variance: [Float])) -> NormRun {
    let nan = { (n: Int) in [Float](repeating: .nan, count: n) }
    var r = NormRun(y: nan(s.count), mean: nan(s.statisticsCount), invstd: nan(s.statisticsCount), runningMean: running.mean,
                    runningVariance: running.variance, dx: nan(s.count), dgamma: nan(s.channels), dbeta: nan(s.channels))
    x.withUnsafeBufferPointer { xb in gamma.withUnsafeBufferPointer { gb in
        r.mean.withUnsafeMutableBufferPointer { mb in r.invstd.withUnsafeMutableBufferPointer { sb in
            r.y.withUnsafeMutableBufferPointer { yb in
                r.runningMean.withUnsafeMutableBufferPointer { rm in r.runningVariance.withUnsafeMutableBufferPointer { rv in
                    beta.withUnsafeBufferPointer {
                        BatchNormKernel.forwardTraining(y: yb, mean: mb, invstd: sb, running: (rm, rv), x: xb, gamma: gb, beta: $0, shape: s)
                    }
                } }
            }
            r.dx.withUnsafeMutableBufferPointer { dxb in r.dgamma.withUnsafeMutableBufferPointer { dgb in
                r.dbeta.withUnsafeMutableBufferPointer { dbb in dy.withUnsafeBufferPointer {
                    BatchNormKernel.backward(dx: dxb, dgamma: dgb, dbeta: dbb, dy: $0, x: xb, mean: UnsafeBufferPointer(mb),
                                             invstd: UnsafeBufferPointer(sb), gamma: gb, shape: s)
                } }
            } }
        } }
    } }
    return r
}

private func evaluate(_ x: [Float], gamma: [Float], beta: [Float], mean: [Float], variance: [Float], shape s: BatchNormKernel.Shape) -> [Float] {
    var y = [Float](repeating: .nan, count: s.count)
    x.withUnsafeBufferPointer { xb in gamma.withUnsafeBufferPointer { gb in beta.withUnsafeBufferPointer { bb in
        mean.withUnsafeBufferPointer { mb in variance.withUnsafeBufferPointer { vb in
            y.withUnsafeMutableBufferPointer {
                BatchNormKernel.forwardEvaluation(y: $0, x: xb, gamma: gb, beta: bb, runningMean: mb, runningVariance: vb, shape: s)
            }
        } }
    } } }
    return y
}

/// Inputs for a shape: activations with a per-channel offset (so the mean matters), γ around 1, β around 0.
private func inputs(_ s: BatchNormKernel.Shape, seed: UInt64) -> (x: [Float], gamma: [Float], beta: [Float], dy: [Float]) {
    let offsets = randomFloats(s.channels, in: -3..<3, seed: seed + 1)
    let x = randomFloats(s.count, in: -2..<2, seed: seed).enumerated().map { $1 + offsets[($0 / s.plane) % s.channels] }
    return (x, randomFloats(s.channels, in: 0.5..<1.5, seed: seed + 2), randomFloats(s.channels, in: -0.5..<0.5, seed: seed + 3),
            randomFloats(s.count, seed: seed + 4))
}

final class NormTests: XCTestCase {
    /// (batch, channels, plane, group): single values, batch norm 1d (plane 1), every vector-width edge of a row,
    /// uneven groups, the discriminator's two halves, and a size split over threads.
    static let shapes: [(Int, Int, Int, Int?)] = [
        (1, 1, 1, nil), (4, 3, 1, nil), (6, 130, 1, 3), (2, 5, 7, nil), (3, 4, 16, nil), (2, 3, 17, nil), (4, 2, 33, 2),
        (5, 3, 65, 2), (8, 6, 49, 4), (64, 20, 196, 32),
    ]

    func testMatchesTwinOnEveryISA() { matchTwin(channelsLast: false) }

    /// The channels-last kernels on the same shapes, their tensors permuted in and out.
    func testChannelsLastMatchesTwinOnEveryISA() { matchTwin(channelsLast: true) }

    private func matchTwin(channelsLast: Bool) {
        forEachISA { isa in
            for (batch, channels, plane, group) in Self.shapes {
                var s = BatchNormKernel.Shape(batch: batch, channels: channels, plane: plane, group: group)
                let (x, gamma, beta, dy) = inputs(s, seed: UInt64(batch * 1000 + channels * 10 + plane))
                let rm = randomFloats(channels, seed: 7), rv = randomFloats(channels, in: 0.5..<2, seed: 8)
                s.channelsLast = channelsLast
                func layout(_ a: [Float], in: Bool) -> [Float] {
                    channelsLast ? changeLayout(a, batch: batch, c: channels, plane: plane, toChannelsLast: `in`) : a
                }
                var got = runNorm(layout(x, in: true), gamma: gamma, beta: beta, dy: layout(dy, in: true), shape: s, running: (rm, rv))
                got.y = layout(got.y, in: false)
                got.dx = layout(got.dx, in: false)
                let f = Reference.batchNormForward(x.doubles, gamma: gamma.doubles, beta: beta.doubles, batch: batch, channels: channels,
                                                   plane: plane, group: s.group, runningMean: rm.doubles, runningVariance: rv.doubles)
                let b = Reference.batchNormBackward(dy: dy.doubles, x.doubles, gamma: gamma.doubles, batch: batch, channels: channels,
                                                    plane: plane, group: s.group)
                let what = "\(batch)x\(channels)x\(plane) group \(s.group) isa=\(isa) channels-last \(channelsLast)"
                XCTAssertEqual(s.groups, Reference.groupRanges(batch: batch, group: s.group).count, what)
                assertClose(got.y, f.y, rtol: 1e-4, atol: 1e-4, "y \(what)")
                assertClose(got.mean, f.mean, rtol: 1e-5, atol: 1e-5, "mean \(what)")
                assertClose(got.invstd, f.invstd, rtol: 1e-4, atol: 1e-5, "invstd \(what)")
                assertClose(got.runningMean, f.runningMean, rtol: 1e-5, atol: 1e-5, "running mean \(what)")
                assertClose(got.runningVariance, f.runningVariance, rtol: 1e-4, atol: 1e-5, "running var \(what)")
                // A group of one value normalises to 0: y = β and dx = 0 up to rounding of x − mean.
                assertClose(got.dx, b.dx, rtol: 1e-3, atol: 2e-4, "dx \(what)")
                assertClose(got.dgamma, b.dgamma, rtol: 1e-4, atol: 1e-3, "dgamma \(what)")
                assertClose(got.dbeta, b.dbeta, rtol: 1e-5, atol: 1e-4, "dbeta \(what)")
                let eval = layout(evaluate(layout(x, in: true), gamma: gamma, beta: beta, mean: rm, variance: rv, shape: s), in: false)
                let twin = Reference.batchNormEvaluation(x.doubles, gamma: gamma.doubles, beta: beta.doubles, runningMean: rm.doubles,
                                                         runningVariance: rv.doubles, channels: channels, plane: plane)
                assertClose(eval, twin, rtol: 1e-5, atol: 1e-5, "eval \(what)")
            }
        }
    }

    /// The C backward (and the twin's) against central differences of L = ⟨r, y⟩ computed by the Double twin
    /// forward, for x, γ and β, with two uneven groups so the per-group statistics are exercised.
    func testBackwardMatchesFiniteDifferences() {
        let s = BatchNormKernel.Shape(batch: 5, channels: 3, plane: 6, group: 3)
        let (x, gamma, beta, r) = inputs(s, seed: 31)
        let zeros = [Double](repeating: 0, count: s.channels)
        func loss(_ x: [Double], _ gamma: [Double], _ beta: [Double]) -> Double {
            dot(r.doubles, Reference.batchNormForward(x, gamma: gamma, beta: beta, batch: s.batch, channels: s.channels, plane: s.plane,
                                                      group: s.group, runningMean: zeros, runningVariance: zeros).y)
        }
        let fdX = finiteDifferenceGradient(x.doubles) { loss($0, gamma.doubles, beta.doubles) }
        let fdGamma = finiteDifferenceGradient(gamma.doubles) { loss(x.doubles, $0, beta.doubles) }
        let fdBeta = finiteDifferenceGradient(beta.doubles) { loss(x.doubles, gamma.doubles, $0) }
        let twin = Reference.batchNormBackward(dy: r.doubles, x.doubles, gamma: gamma.doubles, batch: s.batch, channels: s.channels,
                                               plane: s.plane, group: s.group)
        assertClose(twin.dx, fdX, rtol: 1e-6, atol: 1e-8, "twin dx")
        assertClose(twin.dgamma, fdGamma, rtol: 1e-6, atol: 1e-8, "twin dgamma")
        forEachISA { isa in
            let got = runNorm(x, gamma: gamma, beta: beta, dy: r, shape: s, running: ([0, 0, 0], [1, 1, 1]))
            assertClose(got.dx, fdX, rtol: 1e-4, atol: 1e-5, "dx isa=\(isa)")
            assertClose(got.dgamma, fdGamma, rtol: 1e-4, atol: 1e-5, "dgamma isa=\(isa)")
            assertClose(got.dbeta, fdBeta, rtol: 1e-4, atol: 1e-5, "dbeta isa=\(isa)")
        }
    }

    /// Normalising in groups is the same as separate calls on each group (the discriminator's real and fake
    /// halves), with the running statistics updated once per group in order and dγ, dβ the sum of the parts.
    func testGroupsEqualSeparateBatches() {
        let whole = BatchNormKernel.Shape(batch: 8, channels: 4, plane: 9, group: 4)
        let half = BatchNormKernel.Shape(batch: 4, channels: 4, plane: 9)
        let (x, gamma, beta, dy) = inputs(whole, seed: 50)
        let got = runNorm(x, gamma: gamma, beta: beta, dy: dy, shape: whole, running: ([0, 0, 0, 0], [1, 1, 1, 1]))
        let n = half.count
        let first = runNorm(Array(x[..<n]), gamma: gamma, beta: beta, dy: Array(dy[..<n]), shape: half, running: ([0, 0, 0, 0], [1, 1, 1, 1]))
        let second = runNorm(Array(x[n...]), gamma: gamma, beta: beta, dy: Array(dy[n...]), shape: half,
                             running: (first.runningMean, first.runningVariance))
        XCTAssertEqual(got.y, first.y + second.y)
        XCTAssertEqual(got.dx, first.dx + second.dx)
        XCTAssertEqual(got.mean, first.mean + second.mean)
        XCTAssertEqual(got.runningMean, second.runningMean)
        XCTAssertEqual(got.runningVariance, second.runningVariance)
        assertClose(got.dgamma, zip(first.dgamma, second.dgamma).map { $0 + $1 }, rtol: 1e-5, atol: 1e-5)
        assertClose(got.dbeta, zip(first.dbeta, second.dbeta).map { $0 + $1 }, rtol: 1e-5, atol: 1e-5)
        // And it differs from one batch statistic over all 8 samples (the test could fail).
        let one = runNorm(x, gamma: gamma, beta: beta, dy: dy, shape: BatchNormKernel.Shape(batch: 8, channels: 4, plane: 9),
                          running: ([0, 0, 0, 0], [1, 1, 1, 1]))
        XCTAssertNotEqual(one.y, got.y)
    }

    /// Normalised output has zero mean and unit (biased) variance per channel when γ = 1, β = 0.
    func testOutputIsStandardised() {
        let s = BatchNormKernel.Shape(batch: 16, channels: 3, plane: 25)
        let (x, _, _, dy) = inputs(s, seed: 70)
        let got = runNorm(x, gamma: [1, 1, 1], beta: [0, 0, 0], dy: dy, shape: s, running: ([0, 0, 0], [1, 1, 1]))
        for c in 0..<3 {
            var v: [Double] = []
            for n in 0..<16 { v += got.y[(n * 3 + c) * 25..<(n * 3 + c + 1) * 25].map(Double.init) }
            let mean = v.reduce(0, +) / Double(v.count)
            let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)
            XCTAssertEqual(mean, 0, accuracy: 1e-6)
            XCTAssertEqual(variance, 1, accuracy: 1e-4)
        }
    }

    /// One thread or two: bitwise equal outputs, statistics and gradients.
    func testThreadCountIndependence() throws {
        try XCTSkipUnless(KernelRuntime.openMP, "built without OpenMP")
        var s = BatchNormKernel.Shape(batch: 128, channels: 64, plane: 49, group: 64)
        let (x, gamma, beta, dy) = inputs(s, seed: 90)
        let running = ([Float](repeating: 0, count: 64), [Float](repeating: 1, count: 64))
        for channelsLast in [false, true] {
            s.channelsLast = channelsLast
            forEachISA { isa in
                let one = KernelRuntime.with(threads: 1) { runNorm(x, gamma: gamma, beta: beta, dy: dy, shape: s, running: running) }
                let two = KernelRuntime.with(threads: 2) { runNorm(x, gamma: gamma, beta: beta, dy: dy, shape: s, running: running) }
                XCTAssertEqual(one, two, "isa=\(isa) channels-last \(channelsLast)")
            }
        }
    }
}
