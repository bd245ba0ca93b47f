import Kernels
import KernelsReference
import TestSupport
import XCTest

/// Optimiser state for the tests: parameters and moment buffers.
private struct State: Equatable {
    var w: [Float], m: [Float], v: [Float]

    init(_ n: Int, seed: UInt64) {
        w = randomFloats(n, seed: seed)
        m = [Float](repeating: 0, count: n)
        v = m
    }

    mutating func sgd(_ g: [Float], lr: Float, momentum: Float, weightDecay: Float) {
        g.withUnsafeBufferPointer { gb in
            w.withUnsafeMutableBufferPointer { wb in
                m.withUnsafeMutableBufferPointer {
                    Optim.sgdStep(wb, velocity: momentum == 0 ? nil : $0, grad: gb, lr: lr, momentum: momentum, weightDecay: weightDecay)
                }
            }
        }
    }

    mutating func adam(_ g: [Float], lr: Float, weightDecay: Float, step: Int, decoupled: Bool) {
        g.withUnsafeBufferPointer { gb in
            w.withUnsafeMutableBufferPointer { wb in
                m.withUnsafeMutableBufferPointer { mb in
                    v.withUnsafeMutableBufferPointer {
                        Optim.adamStep(wb, m: mb, v: $0, grad: gb, lr: lr, weightDecay: weightDecay, step: step, decoupled: decoupled)
                    }
                }
            }
        }
    }

    var bits: [[UInt32]] { [w, m, v].map { $0.map(\.bitPattern) } }
}

final class OptimTests: XCTestCase {
    static let sizes = [1, 15, 17, 16385, 40000]

    func testSGDMatchesTwin() {
        forEachISA { isa in
            for n in Self.sizes {
                for (momentum, wd) in [(Float(0), Float(0)), (0, 0.01), (0.9, 0), (0.9, 0.05)] {
                    var s = State(n, seed: UInt64(n))
                    var tw = s.w, tv = s.m
                    for k in 0..<3 {
                        let g = randomFloats(n, seed: UInt64(100 + k))
                        s.sgd(g, lr: 0.1, momentum: momentum, weightDecay: wd)
                        (tw, tv) = Reference.sgdStep(w: tw, v: tv, g: g, lr: 0.1, momentum: momentum, weightDecay: wd)
                    }
                    assertClose(s.w, tw, rtol: 1e-5, atol: 1e-6, "sgd w n=\(n) mom=\(momentum) wd=\(wd) isa=\(isa)")
                    assertClose(s.m, tv, rtol: 1e-5, atol: 1e-6, "sgd v n=\(n) mom=\(momentum) wd=\(wd) isa=\(isa)")
                }
            }
        }
    }

    func testAdamMatchesTwin() {
        forEachISA { isa in
            for n in Self.sizes {
                for (wd, decoupled) in [(Float(0), false), (0.01, false), (0.01, true)] {
                    var s = State(n, seed: UInt64(n))
                    var twin = (w: s.w, m: s.m, v: s.v)
                    for step in 1...4 {
                        let g = randomFloats(n, seed: UInt64(200 + step))
                        s.adam(g, lr: 1e-2, weightDecay: wd, step: step, decoupled: decoupled)
                        twin = Reference.adamStep(w: twin.w, m: twin.m, v: twin.v, g: g, lr: 1e-2, beta1: 0.9, beta2: 0.999,
                                                  eps: 1e-8, weightDecay: wd, step: step, decoupled: decoupled)
                    }
                    let what = "n=\(n) wd=\(wd) decoupled=\(decoupled) isa=\(isa)"
                    assertClose(s.w, twin.w, rtol: 1e-5, atol: 1e-6, "adam w \(what)")
                    assertClose(s.m, twin.m, rtol: 1e-5, atol: 1e-7, "adam m \(what)")
                    assertClose(s.v, twin.v, rtol: 1e-5, atol: 1e-9, "adam v \(what)")
                }
            }
        }
    }

    /// Every ISA uses the same correctly rounded operations, so updates agree bitwise across ISAs.
    func testISAsAgreeBitwise() {
        let n = 1037, g = randomFloats(n, seed: 4)
        var results: [[[UInt32]]] = []
        forEachISA { _ in
            var a = State(n, seed: 1), b = State(n, seed: 1)
            for step in 1...3 {
                a.adam(g, lr: 1e-3, weightDecay: 0.1, step: step, decoupled: step % 2 == 0)
                b.sgd(g, lr: 0.05, momentum: 0.9, weightDecay: 1e-3)
            }
            results.append(a.bits + b.bits)
        }
        XCTAssertTrue(results.allSatisfy { $0 == results[0] }, "ISAs \(ISA.supported) disagree")
    }

    /// A constant gradient g makes m / (1 - beta1^k) = g and v / (1 - beta2^k) = g² exactly, so PyTorch's
    /// Adam moves w by lr g / (|g| + eps) per step: after k steps w = w0 - k lr g / (|g| + eps).
    func testAdamAfterKStepsMatchesHandComputedValue() {
        forEachISA { isa in
            let w0: [Float] = [1, -2, 0.5, 3], g: [Float] = [0.5, -0.25, 2, 1e-3]
            var s = State(4, seed: 0)
            s.w = w0
            let k = 5, lr: Float = 0.01
            for step in 1...k { s.adam(g, lr: lr, weightDecay: 0, step: step, decoupled: false) }
            for i in 0..<4 {
                let expected = Double(w0[i]) - Double(k) * Double(lr) * Double(g[i]) / (abs(Double(g[i])) + 1e-8)
                XCTAssertEqual(Double(s.w[i]), expected, accuracy: 2e-6, "w[\(i)] isa=\(isa)")
            }
            // Moments after k steps: m = (1 - beta1^k) g, v = (1 - beta2^k) g².
            XCTAssertEqual(Double(s.m[0]), (1 - pow(0.9, Double(k))) * 0.5, accuracy: 1e-6)
            XCTAssertEqual(Double(s.v[2]), (1 - pow(0.999, Double(k))) * 4, accuracy: 1e-6)
        }
    }

    /// AdamW = Adam without coupled decay, plus w -= lr wd w first: moments are identical and the weights
    /// differ by exactly the decay term.
    func testAdamWDiffersFromAdamByDecoupledDecay() {
        forEachISA { isa in
            let n = 40, lr: Float = 0.01, wd: Float = 0.1
            let start = State(n, seed: 8), g = randomFloats(n, seed: 9)
            var adamW = start, adam = start, coupled = start
            adamW.adam(g, lr: lr, weightDecay: wd, step: 1, decoupled: true)
            adam.adam(g, lr: lr, weightDecay: 0, step: 1, decoupled: false)
            coupled.adam(g, lr: lr, weightDecay: wd, step: 1, decoupled: false)
            XCTAssertEqual(adamW.m, adam.m, "AdamW's moments see the raw gradient isa=\(isa)")
            XCTAssertEqual(adamW.v, adam.v)
            assertClose(adamW.w.indices.map { adamW.w[$0] - adam.w[$0] }, start.w.map { -lr * wd * $0 },
                        rtol: 1e-3, atol: 1e-8, "isa=\(isa)")
            XCTAssertNotEqual(coupled.m, adam.m, "Adam's weight decay goes through the gradient")
        }
    }

    /// w0 = 1, g = 1, lr = 0.1, momentum 0.9: v = 1, 1.9, 2.71 and w = 0.9, 0.71, 0.439 (PyTorch SGD).
    func testSGDMomentumSequence() {
        forEachISA { isa in
            var s = State(1, seed: 0)
            s.w = [1]
            for (v, w) in [(1.0, 0.9), (1.9, 0.71), (2.71, 0.439)] {
                s.sgd([1], lr: 0.1, momentum: 0.9, weightDecay: 0)
                XCTAssertEqual(Double(s.m[0]), v, accuracy: 1e-6, "isa=\(isa)")
                XCTAssertEqual(Double(s.w[0]), w, accuracy: 1e-6, "isa=\(isa)")
            }
            // Plain SGD with weight decay: w -= lr (g + wd w) = 1 - 0.1 (1 + 0.5) = 0.85.
            var plain = State(1, seed: 0)
            plain.w = [1]
            plain.sgd([1], lr: 0.1, momentum: 0, weightDecay: 0.5)
            XCTAssertEqual(plain.w[0], 0.85, accuracy: 1e-7)
        }
    }

    func testThreadCountIndependence() throws {
        try XCTSkipUnless(KernelRuntime.openMP, "built without OpenMP")
        let n = 100_003, g = randomFloats(n, seed: 3)
        forEachISA { isa in
            func run() -> [[UInt32]] {
                var a = State(n, seed: 2), b = State(n, seed: 2)
                for step in 1...2 {
                    a.adam(g, lr: 1e-3, weightDecay: 0.01, step: step, decoupled: true)
                    b.sgd(g, lr: 0.1, momentum: 0.9, weightDecay: 0.01)
                }
                return a.bits + b.bits
            }
            XCTAssertEqual(KernelRuntime.with(threads: 1, run), KernelRuntime.with(threads: 2, run), "isa=\(isa)")
        }
    }
}
