import Kernels
import KernelsReference
import TestSupport
import XCTest

final class GemmTests: XCTestCase {
    /// Runs the C GEMM on arrays (packed rows unless strides are given).
    private func cGemm(_ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int? = nil,
                       b: [Float], ldb: Int? = nil, beta: Float, c: [Float], ldc: Int? = nil) -> [Float] {
        var out = c
        Gemm.sgemm(ta ? .transposed : .none, tb ? .transposed : .none, m: m, n: n, k: k, alpha: alpha,
                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &out, ldc: ldc)
        return out
    }

    /// Shapes around every register tile (4x8, 6x16, 8x8, 12x32) and cache block (kc 256/384, nc) edge.
    private let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 17, 3), (3, 1, 5), (2, 3, 4), (5, 7, 9), (11, 33, 17), (12, 32, 16), (13, 31, 1),
        (24, 64, 100), (25, 65, 257), (37, 129, 385), (128, 32, 128), (6, 300, 20), (300, 6, 20),
        (61, 515, 70), (129, 47, 800),
    ]

    func testAllTransposeModesAgainstTwin() {
        for (idx, s) in shapes.enumerated() {
            let a = randomFloats(s.m * s.k, seed: UInt64(idx)), b = randomFloats(s.k * s.n, seed: UInt64(idx) + 50)
            let c = randomFloats(s.m * s.n, seed: UInt64(idx) + 99)
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                for (alpha, beta): (Float, Float) in [(1, 0), (0.5, 1), (-2, 0.25)] {
                    let want = Reference.gemm(transA: ta, transB: tb, m: s.m, n: s.n, k: s.k, alpha: Double(alpha),
                                              a: a.doubles, b: b.doubles, beta: Double(beta), c: c.doubles)
                    forEachISA { isa in
                        let got = cGemm(ta, tb, m: s.m, n: s.n, k: s.k, alpha: alpha, a: a, b: b, beta: beta, c: c)
                        // float32 accumulation over k terms of magnitude <= 1
                        assertClose(got, want, rtol: 1e-5, atol: 2e-6 * Double(s.k),
                                    "m=\(s.m) n=\(s.n) k=\(s.k) ta=\(ta) tb=\(tb) a=\(alpha) b=\(beta) isa=\(isa)")
                    }
                }
            }
        }
    }

    func testStridedOperandsLeaveOtherMemoryAlone() {
        forEachISA { isa in
            let m = 19, n = 37, k = 23, lda = 30, ldb = 41, ldc = 50
            let a = randomFloats(m * lda, seed: 1), b = randomFloats(k * ldb, seed: 2)
            let c = [Float](repeating: 7, count: m * ldc)
            let got = cGemm(false, false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: ldc)
            let pa = (0..<m).flatMap { i in a[(i * lda)..<(i * lda + k)] }, pb = (0..<k).flatMap { p in b[(p * ldb)..<(p * ldb + n)] }
            let want = Reference.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1.0, a: pa.doubles, b: pb.doubles,
                                      beta: 0, c: [Double](repeating: 0, count: m * n))
            for i in 0..<m {
                assertClose(got[(i * ldc)..<(i * ldc + n)], want[(i * n)..<(i * n + n)], rtol: 1e-5, atol: 1e-5, "row \(i) isa=\(isa)")
                XCTAssertTrue(got[(i * ldc + n)..<(i * ldc + ldc)].allSatisfy { $0 == 7 }, "padding of row \(i) was written")
            }
        }
    }

    func testBetaZeroIgnoresNaNInC() {
        forEachISA { _ in
            let c = [Float](repeating: .nan, count: 40 * 70)
            let got = cGemm(false, false, m: 40, n: 70, k: 9, alpha: 1, a: randomFloats(360, seed: 3),
                            b: randomFloats(630, seed: 4), beta: 0, c: c)
            XCTAssertFalse(got.contains { $0.isNaN })
        }
    }

    func testZeroKScalesC() {
        let got = cGemm(false, false, m: 3, n: 4, k: 0, alpha: 1, a: [], b: [], beta: 2, c: [Float](repeating: 1.5, count: 12))
        XCTAssertEqual(got, [Float](repeating: 3, count: 12))
    }

    /// Bitwise the same C for 1, 2 and 3 threads (3000 × 40: more row strips than threads, shared out by ck_split).
    func testResultIndependentOfThreadCount() {
        forEachISA { isa in
            for (m, n, k) in [(256, 512, 784), (1000, 40, 300), (40, 1000, 300), (3000, 40, 64)] {
                let a = randomFloats(m * k, seed: 5), b = randomFloats(k * n, seed: 6)
                let zero = [Float](repeating: 0, count: m * n)
                let one = KernelRuntime.with(threads: 1) { cGemm(false, true, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0, c: zero) }
                for t in [2, 3] {
                    let other = KernelRuntime.with(threads: t) { cGemm(false, true, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0, c: zero) }
                    XCTAssertEqual(one, other, "\(m)x\(n)x\(k) isa=\(isa) threads=\(t) differs bitwise from 1 thread")
                }
            }
        }
    }

    func testLinearForwardBackwardAgainstTwin() {
        forEachISA { isa in
            for (batch, inF, outF) in [(1, 1, 1), (3, 5, 7), (17, 33, 9), (128, 100, 40)] {
                let x = randomFloats(batch * inF, seed: 1), w = randomFloats(outF * inF, seed: 2)
                let bias = randomFloats(outF, seed: 3), dy = randomFloats(batch * outF, seed: 4)
                var y = [Float](repeating: .nan, count: batch * outF)
                var dx = [Float](repeating: .nan, count: batch * inF), dw = [Float](repeating: .nan, count: outF * inF)
                var db = [Float](repeating: .nan, count: outF)
                Gemm.linearForward(y: &y, x: x, w: w, bias: bias, batch: batch, in: inF, out: outF)
                Gemm.linearBackward(dx: &dx, dw: &dw, dbias: &db, dy: dy, x: x, w: w, batch: batch, in: inF, out: outF)
                let ry = Reference.linearForward(x: x.doubles, w: w.doubles, bias: bias.doubles, batch: batch, in: inF, out: outF)
                let r = Reference.linearBackward(dy: dy.doubles, x: x.doubles, w: w.doubles, batch: batch, in: inF, out: outF)
                let tag = "batch=\(batch) in=\(inF) out=\(outF) isa=\(isa)"
                assertClose(y, ry, rtol: 1e-5, atol: 1e-5, "y " + tag)
                assertClose(dx, r.dx, rtol: 1e-5, atol: 1e-5, "dx " + tag)
                assertClose(dw, r.dw, rtol: 1e-5, atol: 1e-5, "dw " + tag)
                assertClose(db, r.dbias, rtol: 1e-5, atol: 1e-5, "db " + tag)
            }
        }
    }

    /// The twin's backward is itself checked against finite differences of the twin's forward, in Double.
    func testLinearBackwardMatchesFiniteDifferences() {
        let batch = 3, inF = 4, outF = 5
        let x = randomFloats(batch * inF, seed: 7).doubles, w = randomFloats(outF * inF, seed: 8).doubles
        let b = randomFloats(outF, seed: 9).doubles, r = randomFloats(batch * outF, seed: 10).doubles
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            dot(r, Reference.linearForward(x: x, w: w, bias: b, batch: batch, in: inF, out: outF))
        }
        // C kernel backward (float) against the Double finite differences.
        var dx = [Float](repeating: 0, count: batch * inF), dw = [Float](repeating: 0, count: outF * inF)
        var db = [Float](repeating: 0, count: outF)
        let rf = r.map(Float.init), xf = x.map(Float.init), wf = w.map(Float.init)
        forEachISA { isa in
            Gemm.linearBackward(dx: &dx, dw: &dw, dbias: &db, dy: rf, x: xf, w: wf, batch: batch, in: inF, out: outF)
            assertClose(dx, finiteDifferenceGradient(x) { loss($0, w, b) }, rtol: 1e-4, atol: 1e-5, "dx isa=\(isa)")
            assertClose(dw, finiteDifferenceGradient(w) { loss(x, $0, b) }, rtol: 1e-4, atol: 1e-5, "dw isa=\(isa)")
            assertClose(db, finiteDifferenceGradient(b) { loss(x, w, $0) }, rtol: 1e-4, atol: 1e-5, "db isa=\(isa)")
        }
    }

    func testSumRowsIsExactColumnOrder() {
        let rows = 300, cols = 700
        let x = randomFloats(rows * cols, seed: 11)
        var out = [Float](repeating: .nan, count: cols)
        Gemm.sumRows(&out, x, rows: rows, cols: cols)
        // Same order as the kernel (top to bottom, in float): bitwise equal.
        let want = (0..<cols).map { j in (0..<rows).reduce(Float(0)) { $0 + x[$1 * cols + j] } }
        XCTAssertEqual(out, want)
    }

    /// The FMA ceiling probe: every lane of every accumulator is the twin's fused recurrence (so no lane's work can be
    /// skipped), and the operation count is 2 · 12 accumulators · lanes · iterations · threads with the ISA's lanes.
    func testFMAPeakProbeDoesTheWorkItCounts() {
        let widths: [ISA: Double] = [.scalar: 1, .avx2: 8, .avx512: 16, .neon: 4]
        forEachISA { isa in
            for threads in [1, 2] {
                KernelRuntime.with(threads: threads) {
                    for iterations in [0, 1, 1000] {
                        let (flops, acc) = Gemm.fmaPeak(iterations: iterations, a: 0.9999, b: 1e-4)
                        let twin = Reference.fmaProbe(accumulators: acc.count, iterations: iterations, a: 0.9999, b: 1e-4)
                        XCTAssertEqual(acc.count, 12)
                        XCTAssertEqual(acc, twin.map { Double($0) * widths[isa]! }, "isa=\(isa) iterations=\(iterations)")
                        XCTAssertEqual(flops, 2 * 12 * widths[isa]! * Double(iterations * KernelRuntime.threads), "isa=\(isa)")
                    }
                }
            }
        }
    }
}
