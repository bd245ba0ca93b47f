import Kernels
import KernelsReference
import TestSupport
import XCTest

/// A loss as the tests call it: (input, target, with gradient?) -> (loss, grad or []).
private typealias LossCall = @Sendable ([Float], [Float], Bool) -> (loss: Float, grad: [Float])

/// Runs an elementwise C loss, filling the gradient with NaN first so an unwritten element is caught.
private func call(_ kernel: @escaping @Sendable (UnsafeMutableBufferPointer<Float>?, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Float) -> LossCall {
    { x, t, withGrad in
        var grad = [Float](repeating: .nan, count: withGrad ? x.count : 0)
        let loss = x.withUnsafeBufferPointer { xb in
            t.withUnsafeBufferPointer { tb in grad.withUnsafeMutableBufferPointer { kernel(withGrad ? $0 : nil, xb, tb) } }
        }
        return (loss, grad)
    }
}

private let mse = call { Loss.mse(grad: $0, $1, target: $2, gradScale: 0.5) }
private let bce = call { Loss.bce(grad: $0, $1, target: $2, gradScale: 0.5) }
private let bceLogits = call { Loss.bceWithLogits(grad: $0, $1, target: $2, gradScale: 0.5) }
private let hinge = call { Loss.hinge(grad: $0, $1, target: $2, gradScale: 0.5) }
private let hingeGenerator = call { g, z, _ in Loss.hingeGenerator(grad: g, z, gradScale: 0.5) }

private func softmaxCE(_ logits: [Float], _ labels: [Int32], classes: Int, probs wantProbs: Bool = true)
    -> (loss: Float, probs: [Float], grad: [Float]) {
    var grad = [Float](repeating: .nan, count: logits.count), probs = grad
    let loss = logits.withUnsafeBufferPointer { l in
        labels.withUnsafeBufferPointer { lab in
            grad.withUnsafeMutableBufferPointer { g in
                probs.withUnsafeMutableBufferPointer { p in
                    Loss.softmaxCrossEntropy(grad: g, probs: wantProbs ? p : nil, logits: l, labels: lab, classes: classes, gradScale: 0.5)
                }
            }
        }
    }
    return (loss, probs, grad)
}

private func l1(_ z: [Float], grad start: [Float], lambda: Float) -> (loss: Float, grad: [Float]) {
    var grad = start
    let loss = z.withUnsafeBufferPointer { zb in grad.withUnsafeMutableBufferPointer { Loss.l1Penalty(grad: $0, zb, lambda: lambda) } }
    return (loss, grad)
}

final class LossTests: XCTestCase {
    static let sizes = [1, 15, 17, 16385, 40000]

    /// Inputs valid for each loss: probabilities for BCE, anything for the others; targets in [0, 1].
    private func inputs(_ n: Int, seed: UInt64, range: Range<Float> = -3..<3) -> (x: [Float], t: [Float]) {
        (randomFloats(n, in: range, seed: seed), randomFloats(n, in: 0..<1, seed: seed + 1000))
    }

    private func checkTwin(_ name: String, _ c: LossCall, range: Range<Float>,
                           twin: ([Float], [Float]) -> (loss: Double, grad: [Float])) {
        forEachISA { isa in
            for n in Self.sizes {
                let (x, t) = inputs(n, seed: UInt64(n), range: range)
                let (loss, grad) = c(x, t, true), expected = twin(x, t)
                XCTAssertEqual(Double(loss), expected.loss, accuracy: 2e-6 * abs(expected.loss) + 1e-7, "\(name) n=\(n) isa=\(isa)")
                assertClose(grad, expected.grad, rtol: 1e-4, atol: 1e-9, "\(name) grad n=\(n) isa=\(isa)")
                XCTAssertEqual(c(x, t, false).loss, loss, "\(name) loss without grad differs n=\(n) isa=\(isa)")
            }
        }
    }

    func testElementwiseLossesMatchTwin() {
        checkTwin("mse", mse, range: -3..<3) { Reference.mseLoss($0, target: $1, gradScale: 0.5) }
        checkTwin("bce", bce, range: 0.001..<0.999) { Reference.bceLoss($0, target: $1, gradScale: 0.5) }
        checkTwin("bce logits", bceLogits, range: -12..<12) { Reference.bceLogitsLoss($0, target: $1, gradScale: 0.5) }
    }

    func testMSEPerSampleMatchesTwin() {
        forEachISA { isa in
            for (batch, dim) in [(1, 1), (3, 17), (5, 784), (2, 40000)] {
                let (y, t) = inputs(batch * dim, seed: 7)
                var out = [Float](repeating: .nan, count: batch)
                y.withUnsafeBufferPointer { yb in t.withUnsafeBufferPointer { tb in
                    out.withUnsafeMutableBufferPointer { Loss.msePerSample($0, yb, target: tb, batch: batch, dim: dim) }
                } }
                assertClose(out, Reference.msePerSample(y, target: t, batch: batch, dim: dim), rtol: 2e-6, "\(batch)x\(dim) isa=\(isa)")
            }
        }
    }

    /// Gradients vs central differences of the Double twin's loss (× gradScale 0.5).
    func testGradientsMatchFiniteDifferences() {
        typealias Twin = ([Double], [Double]) -> Double
        let cases: [(String, LossCall, Range<Float>, Twin)] = [
            ("mse", mse, -3..<3, { Reference.mseLoss($0, target: $1).loss }),
            ("bce", bce, 0.05..<0.95, { Reference.bceLoss($0, target: $1).loss }),
            ("bce logits", bceLogits, -6..<6, { Reference.bceLogitsLoss($0, target: $1).loss }),
        ]
        forEachISA { isa in
            for (name, c, range, twin) in cases {
                for n in [1, 7, 33] {
                    let (x, t) = inputs(n, seed: UInt64(n) + 50, range: range)
                    let fd = finiteDifferenceGradient(x.doubles) { 0.5 * twin($0, t.doubles) }
                    assertClose(c(x, t, true).grad, fd, rtol: 1e-3, atol: 1e-6, "\(name) n=\(n) isa=\(isa)")
                }
            }
            let (batch, classes) = (4, 19)
            let logits = randomFloats(batch * classes, in: -4..<4, seed: 3), labels: [Int32] = [0, 18, 7, 7]
            let fd = finiteDifferenceGradient(logits.doubles) {
                0.5 * Reference.softmaxCrossEntropy($0, labels: labels, classes: classes)!.loss
            }
            assertClose(softmaxCE(logits, labels, classes: classes).grad, fd, rtol: 1e-3, atol: 1e-6, "softmax CE isa=\(isa)")
            let z = randomFloats(40, in: -2..<2, seed: 4).map { abs($0) < 0.05 ? $0 + 0.1 : $0 }  // |z| has a kink at 0
            let l1fd = finiteDifferenceGradient(z.doubles) { Reference.l1Penalty($0, grad: $0, lambda: 0.3).loss }
            assertClose(l1(z, grad: [Float](repeating: 0, count: z.count), lambda: 0.3).grad, l1fd, rtol: 1e-4, "l1 isa=\(isa)")
        }
    }

    func testSoftmaxCrossEntropyMatchesTwin() {
        forEachISA { isa in
            for (batch, classes) in [(1, 1), (3, 10), (5, 17), (7, 33), (2, 40000), (1100, 16)] {
                let logits = randomFloats(batch * classes, in: -8..<8, seed: UInt64(classes))
                let labels = (0..<batch).map { Int32(($0 * 7 + 3) % classes) }
                let expected = Reference.softmaxCrossEntropy(logits, labels: labels, classes: classes, gradScale: 0.5)!
                for wantProbs in [true, false] {
                    let got = softmaxCE(logits, labels, classes: classes, probs: wantProbs)
                    XCTAssertEqual(Double(got.loss), expected.loss, accuracy: 2e-6 * abs(expected.loss) + 1e-6, "\(batch)x\(classes) isa=\(isa)")
                    assertClose(got.grad, expected.grad, rtol: 1e-4, atol: 1e-9, "grad \(batch)x\(classes) probs=\(wantProbs) isa=\(isa)")
                    if wantProbs { assertClose(got.probs, expected.probs, rtol: 1e-5, atol: 1e-12, "probs \(batch)x\(classes) isa=\(isa)") }
                }
            }
            // Huge logits: the max subtraction keeps exp finite.
            let big = softmaxCE([1000, -1000, 999, 0, 1e30, -1e30], [0, 2], classes: 3)
            // Row 0: log(1 + e^-1 + e^-2000); row 1: label logit -1e30 against max 1e30.
            XCTAssertEqual(Double(big.loss), (log1p(exp(-1.0)) + 2 * Double(Float(1e30))) / 2, accuracy: 1e23, "isa=\(isa)")
            XCTAssertEqual(big.probs[0], 1 / (1 + Float(exp(-1.0))), accuracy: 1e-6, "isa=\(isa)")
            XCTAssertFalse(big.probs.contains { !$0.isFinite } || big.grad.contains { !$0.isFinite }, "isa=\(isa) \(big)")
        }
    }

    func testSoftmaxCrossEntropyBadLabelIsNaN() {
        forEachISA { isa in
            let logits = randomFloats(6, seed: 1)
            for labels: [Int32] in [[0, 3], [-1, 0], [Int32.max, 1]] {
                let got = softmaxCE(logits, labels, classes: 3)
                XCTAssertTrue(got.loss.isNaN, "labels \(labels) isa=\(isa)")
                XCTAssertTrue(got.grad.allSatisfy(\.isNaN), "outputs must be left untouched")
            }
            XCTAssertNil(Reference.softmaxCrossEntropy(logits.doubles, labels: [0, 3], classes: 3))
            XCTAssertFalse(softmaxCE(logits, [0, 2], classes: 3).loss.isNaN)
        }
    }

    func testBCEClampsProbabilitiesAtZeroAndOne() {
        forEachISA { isa in
            // 16 + 4 elements: both the vector body and the scalar tail see p = 0 and p = 1.
            let p: [Float] = [0, 1, 0, 1] + [Float](repeating: 0, count: 8) + [Float](repeating: 1, count: 8)
            let t: [Float] = [0, 0, 1, 1] + [Float](repeating: 1, count: 8) + [Float](repeating: 0, count: 8)
            let (loss, grad) = bce(p, t, true)
            let expected = Reference.bceLoss(p.doubles, target: t.doubles, gradScale: 0.5)
            XCTAssertTrue(loss.isFinite && grad.allSatisfy(\.isFinite), "isa=\(isa) \(loss) \(grad)")
            // 18 of 20 are maximally wrong: 9 cost -log(lo), 9 cost -log(1 - hi), with float32's bounds.
            let lo = Double(Float(1e-7)), hi = Double(1 - Float(1e-7))
            XCTAssertEqual(Double(loss), 9 * (-log(lo) - log(1 - hi)) / 20, accuracy: 1e-4, "isa=\(isa)")
            XCTAssertEqual(Double(grad[1]), 0.5 / 20 * hi / (hi * (1 - hi)), accuracy: 0.1, "p = 1, t = 0 uses the clamped p")
            XCTAssertEqual(Double(loss), expected.loss, accuracy: 1e-3, "isa=\(isa)")
            assertClose(grad, expected.grad, rtol: 1e-3, "isa=\(isa)")
        }
    }

    func testBCELogitsExtremesStayFinite() {
        forEachISA { isa in
            let z: [Float] = [100, -100, 100, -100, 1e4, -1e4, 0, 88.7] + [Float](repeating: 100, count: 8) + [-100, 100, 0.5]
            let t: [Float] = [1, 0, 0, 1, 0.5, 0.5, 1, 0] + [Float](repeating: 0, count: 8) + [1, 1, 0]
            let (loss, grad) = bceLogits(z, t, true)
            XCTAssertTrue(loss.isFinite && grad.allSatisfy(\.isFinite), "isa=\(isa) \(loss) \(grad)")
            let expected = Reference.bceLogitsLoss(z.doubles, target: t.doubles, gradScale: 0.5)
            XCTAssertEqual(Double(loss), expected.loss, accuracy: 1e-6 * expected.loss, "isa=\(isa)")
            assertClose(grad, expected.grad, rtol: 1e-5, atol: 1e-9, "isa=\(isa)")
            XCTAssertEqual(grad[0], 0, "sigmoid(100) - 1 rounds to 0")
        }
    }

    func testL1AccumulatesSignTimesLambda() {
        forEachISA { isa in
            for n in Self.sizes {
                let z = randomFloats(n, seed: UInt64(n)).enumerated().map { $0.offset % 5 == 0 ? 0 : $0.element }
                let start = randomFloats(n, seed: 99)
                let got = l1(z, grad: start, lambda: 0.25), expected = Reference.l1Penalty(z, grad: start, lambda: 0.25)
                XCTAssertEqual(Double(got.loss), expected.loss, accuracy: 1e-6 * expected.loss + 1e-7, "n=\(n) isa=\(isa)")
                XCTAssertEqual(got.grad, expected.grad, "n=\(n) isa=\(isa)")
            }
        }
    }

    /// GAN hinge losses against the twin (a real half with t = +1 and a fake half with t = −1, logits on both sides
    /// of the margins, some exactly on a kink) and against central differences away from the kinks.
    func testHingeLossesMatchTwinAndFiniteDifferences() {
        for n in [1, 2, 7, 128, 1000] {
            let z = randomFloats(n, in: -3..<3, seed: UInt64(n) + 70).enumerated().map { $0.offset % 11 == 3 ? 1 : $0.element }
            let t = (0..<n).map { Float($0 < (n + 1) / 2 ? 1 : -1) }
            let (loss, grad) = hinge(z, t, true), expected = Reference.hingeLoss(z, target: t, gradScale: 0.5)
            XCTAssertEqual(Double(loss), expected.loss, accuracy: 1e-6 * abs(expected.loss) + 1e-7, "n=\(n)")
            XCTAssertEqual(grad, expected.grad, "n=\(n)")
            XCTAssertEqual(hinge(z, t, false).loss, loss)
            let g = hingeGenerator(z, t, true), gExpected = Reference.hingeGeneratorLoss(z, gradScale: 0.5)
            XCTAssertEqual(Double(g.loss), gExpected.loss, accuracy: 1e-6 * abs(gExpected.loss) + 1e-7, "n=\(n)")
            XCTAssertEqual(g.grad, gExpected.grad, "n=\(n)")
            XCTAssertEqual(hingeGenerator(z, t, false).loss, g.loss)
        }
        // Satisfied margins cost nothing and pass no gradient: real z ≥ 1, fake z ≤ −1.
        XCTAssertEqual(hinge([1.5, 1, -1, -4], [1, 1, -1, -1], true).loss, 0)
        XCTAssertEqual(hinge([1.5, 1, -1, -4], [1, 1, -1, -1], true).grad, [0, 0, 0, 0])
        XCTAssertEqual(hinge([0, 0], [1, -1], true).loss, 1)
        XCTAssertEqual(hinge([0, 0], [1, -1], true).grad, [-0.25, 0.25])
        let z = randomFloats(33, in: -3..<3, seed: 9).map { abs(abs($0) - 1) < 0.05 ? $0 + 0.1 : $0 }
        let t = (0..<33).map { Float($0 % 2 == 0 ? 1 : -1) }
        let fd = finiteDifferenceGradient(z.doubles) { 0.5 * Reference.hingeLoss($0, target: t.doubles).loss }
        assertClose(hinge(z, t, true).grad, fd, rtol: 1e-3, atol: 1e-6, "hinge")
        let gfd = finiteDifferenceGradient(z.doubles) { 0.5 * Reference.hingeGeneratorLoss($0).loss }
        assertClose(hingeGenerator(z, t, true).grad, gfd, rtol: 1e-3, atol: 1e-6, "hinge generator")
    }

    /// Chunk partial sums are added in chunk order, so 1 and 2 threads give bitwise equal results.
    func testThreadCountIndependence() throws {
        try XCTSkipUnless(KernelRuntime.openMP, "built without OpenMP")
        let (x, t) = inputs(100_003, seed: 5, range: 0.01..<0.99)
        let logits = randomFloats(5000 * 10, in: -5..<5, seed: 6), labels = (0..<5000).map { Int32($0 % 10) }
        forEachISA { isa in
            func run() -> [[Float]] {
                [mse, bce, bceLogits].flatMap { f -> [[Float]] in let r = f(x, t, true); return [[r.loss], r.grad] }
                    + { let r = softmaxCE(logits, labels, classes: 10); return [[r.loss], r.grad] }()
                    + { let r = l1(x, grad: t, lambda: 0.1); return [[r.loss], r.grad] }()
            }
            let one = KernelRuntime.with(threads: 1, run), two = KernelRuntime.with(threads: 2, run)
            for (k, (a, b)) in zip(one, two).enumerated() {
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "result \(k) isa=\(isa)")
            }
        }
    }
}
