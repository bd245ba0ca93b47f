import Kernels
import KernelsReference
import TestSupport
import XCTest

/// The C spectral-normalisation kernels against their twin, against finite differences, and against weights whose
/// largest singular value is known.
final class SpectralNormTests: XCTestCase {
    /// One C forward (and backward of `g` when given): outputs start NaN so an unwritten element shows up.
    private func run(_ w: [Float], u: [Float], rows: Int, cols: Int, update: Bool = true, g: [Float]? = nil)
        -> (wSN: [Float], u: [Float], v: [Float], sigma: Float, grad: [Float]) {
        var wSN = [Float](repeating: .nan, count: w.count), u = u, v = [Float](repeating: .nan, count: cols), grad = g ?? []
        let sigma = w.withUnsafeBufferPointer { wb in
            u.withUnsafeMutableBufferPointer { ub in v.withUnsafeMutableBufferPointer { vb in
                wSN.withUnsafeMutableBufferPointer { SpectralNormKernel.forward(wSN: $0, u: ub, v: vb, w: wb, rows: rows, cols: cols, updateU: update) }
            } }
        }
        if g != nil {
            grad.withUnsafeMutableBufferPointer { gb in wSN.withUnsafeBufferPointer { sb in u.withUnsafeBufferPointer { ub in
                v.withUnsafeBufferPointer { SpectralNormKernel.backward(grad: gb, wSN: sb, u: ub, v: $0, sigma: sigma, rows: rows, cols: cols) }
            } } }
        }
        return (wSN, u, v, sigma, grad)
    }

    /// The weight shapes of gan-conv's discriminator (64 × 1·4·4, 128 × 64·4·4, 1 × 128·7·7) and edge cases.
    func testAgainstTwin() {
        for (i, (rows, cols)) in [(1, 1), (1, 7), (5, 1), (3, 5), (17, 33), (64, 16), (128, 1024), (1, 6272)].enumerated() {
            let w = randomFloats(rows * cols, seed: UInt64(10 + i)), u = randomFloats(rows, seed: UInt64(40 + i))
            let g = randomFloats(rows * cols, seed: UInt64(70 + i))
            let c = run(w, u: u, rows: rows, cols: cols, g: g)
            let r = Reference.spectralNormForward(w, u: u, rows: rows, cols: cols)
            let label = "\(rows) × \(cols)"
            XCTAssertEqual(Double(c.sigma), Double(r.sigma), accuracy: 1e-5 * Double(r.sigma), label)
            assertClose(c.wSN, r.wSN, rtol: 1e-5, atol: 1e-7, label)
            assertClose(c.u, r.u, rtol: 1e-4, atol: 1e-6, label)
            assertClose(c.v, r.v, rtol: 1e-4, atol: 1e-6, label)
            let rg = Reference.spectralNormBackward(g, wSN: r.wSN, u: r.u, v: r.v, sigma: r.sigma, rows: rows, cols: cols)
            assertClose(c.grad, rg, rtol: 1e-4, atol: 1e-5 * Double(g.map(abs).max()!) / Double(r.sigma), label)
            // Evaluation: the same W / σ, u left as it was.
            let e = run(w, u: u, rows: rows, cols: cols, update: false)
            XCTAssertEqual(e.u, u, label)
            XCTAssertEqual(e.sigma, c.sigma, label)
        }
    }

    /// The backward is the gradient of L(W) = ⟨G, W / ‖W v‖⟩ with v (and so u = W v / σ) frozen: central
    /// differences of that function in Double, at a few shapes.
    func testBackwardMatchesFiniteDifferences() {
        for (i, (rows, cols)) in [(1, 4), (3, 5), (6, 2)].enumerated() {
            let w = randomFloats(rows * cols, seed: UInt64(100 + i)).map(Double.init)
            let u0 = randomFloats(rows, seed: UInt64(110 + i)).map(Double.init)
            let g = randomFloats(rows * cols, seed: UInt64(120 + i)).map(Double.init)
            let f = Reference.spectralNormForward(w, u: u0, rows: rows, cols: cols)
            func loss(_ w: [Double]) -> Double {
                let t = (0..<rows).map { r in (0..<cols).reduce(0.0) { $0 + w[r * cols + $1] * f.v[$1] } }
                let sigma = t.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return dot(g, w.map { $0 / sigma })
            }
            let numeric = finiteDifferenceGradient(w, step: 1e-6, loss)
            let analytic = Reference.spectralNormBackward(g, wSN: f.wSN, u: f.u, v: f.v, sigma: f.sigma, rows: rows, cols: cols)
            assertClose(analytic, numeric, rtol: 1e-6, atol: 1e-8, "\(rows) × \(cols)")
        }
    }

    /// Repeated training forwards converge σ to the largest singular value: a scaled partial permutation (singular
    /// values |scale|) and a rank-one matrix a bᵀ (σ = ‖a‖ ‖b‖, reached in one step).
    func testPowerIterationFindsTheLargestSingularValue() {
        let rows = 4, cols = 6, scales: [Float] = [1, -2, 5, 3]
        var w = [Float](repeating: 0, count: rows * cols)
        for (i, s) in scales.enumerated() { w[i * cols + (2 * i + 1) % cols] = s }
        var u = randomFloats(rows, seed: 5)
        var sigma: Float = 0
        for _ in 0..<60 { (_, u, _, sigma, _) = run(w, u: u, rows: rows, cols: cols) }
        XCTAssertEqual(sigma, 5, accuracy: 1e-4)
        XCTAssertEqual(abs(u[2]), 1, accuracy: 1e-4, "u is the left singular vector of the largest value: \(u)")

        let a = randomFloats(7, seed: 6), b = randomFloats(9, seed: 7)
        let outer = a.flatMap { x in b.map { x * $0 } }
        let norm = { (x: [Float]) in x.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let once = run(outer, u: randomFloats(7, seed: 8), rows: 7, cols: 9)
        XCTAssertEqual(Double(once.sigma), norm(a) * norm(b), accuracy: 1e-5 * norm(a) * norm(b))
        XCTAssertEqual(norm(once.wSN), 1, accuracy: 1e-5, "a rank-one W / σ has Frobenius norm 1")
    }

    /// A zero weight (or a u orthogonal to every row) gives σ at the 1e-12 floor instead of a division by zero.
    func testZeroWeightStaysFinite() {
        let c = run([Float](repeating: 0, count: 6), u: [1, 0], rows: 2, cols: 3, g: [1, 2, 3, 4, 5, 6])
        XCTAssertTrue((c.wSN + c.u + c.v + c.grad).allSatisfy(\.isFinite), "\(c)")
        XCTAssertEqual(c.wSN, [Float](repeating: 0, count: 6))
    }
}
