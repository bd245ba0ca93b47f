import AEAnalysis
import CKernels
import Kernels
import KernelsReference
import TestSupport
import XCTest

/// The FFT-accelerated interpolation gradient (FIt-SNE) and the FFT under it.
final class TSNEFFTTests: XCTestCase {
    /// Every supported radix (4, 2, 3, 5) and mixes of them, with 11 rows so one strip of lanes is partial.
    func testFFTMatchesNaiveDFT() throws {
        let rows = 11
        try forEachISA { isa in
            for m in [1, 2, 3, 4, 5, 6, 8, 9, 12, 15, 16, 25, 30, 48, 60, 100, 120] {
                let re = randomFloats(rows * m, seed: UInt64(m)).doubles, im = randomFloats(rows * m, seed: UInt64(m + 99)).doubles
                for inverse in [false, true] {
                    var outRe = re, outIm = im
                    var workspace = [Double](repeating: 0, count: Int(ck_tsne_fft_rows_workspace(Int64(m))))
                    XCTAssertEqual(ck_tsne_fft_rows(&outRe, &outIm, &workspace, Int64(m), Int64(rows), inverse ? 1 : 0), 0)
                    for r in 0..<rows {
                        let slice = r * m..<(r + 1) * m
                        let expected = Reference.dft(re: Array(re[slice]), im: Array(im[slice]), inverse: inverse)
                        // Rounding grows like log m; the sums are O(sqrt m) in size.
                        assertClose(outRe[slice], expected.re, rtol: 1e-12, atol: 1e-12 * Double(m), "\(isa) m \(m) row \(r)")
                        assertClose(outIm[slice], expected.im, rtol: 1e-12, atol: 1e-12 * Double(m), "\(isa) m \(m) row \(r)")
                    }
                }
            }
        }
        var scratch = [Double](repeating: 0, count: Int(ck_tsne_fft_rows_workspace(14)))
        var re = [Double](repeating: 1, count: 14), im = re
        XCTAssertEqual(ck_tsne_fft_rows(&re, &im, &scratch, 14, 1, 0), -1, "7 is not a supported factor")
        XCTAssertEqual(ck_tsne_fft_supported(7 * 8), 0)
        XCTAssertEqual(ck_tsne_fft_supported(6 * 54), 1)
    }

    /// The FFT convolution must equal the same interpolation with the grid sums done directly: this checks
    /// the kernel embedding, the transforms and the spreading, apart from the interpolation error.
    func testFFTGradientMatchesDirectInterpolation() throws {
        let n = 150
        let p = try TSNEFixtures.affinities(try TSNEFixtures.uniform(n, 5, seed: 40), perplexity: 8)
        for (scale, boxes) in [(2.0, 5), (3.0, 8)] {  // grids of 30 and 48: radices 2, 3, 5 and 4, 3
            let y = TSNEFixtures.embedding(n, scale: scale, seed: 41)
            let objective = TSNEObjective(affinities: p, method: .fft)
            objective.minimumBoxes = boxes
            XCTAssertEqual(ck_tsne_fft_boxes(y, Int64(n), Int64(boxes)), Int64(boxes))
            var gradient = [Double](repeating: 0, count: 2 * n)
            let z = objective.gradient(at: y, into: &gradient)
            let twin = Reference.tsneRepulsiveInterpolated(y, boxes: boxes)
            let attr = Reference.tsneAttractive(y, rowPtr: p.rowPtr, col: p.col, val: p.val)
            XCTAssertEqual(z, twin.z, accuracy: 1e-10 * twin.z)
            assertClose(gradient, (0..<2 * n).map { 4 * (attr[$0] - twin.rep[$0] / twin.z) }, rtol: 1e-8, atol: 1e-12)
        }
    }

    /// Interpolation error against the exact gradient at openTSNE's grid (3 nodes per box, boxes at most 1
    /// wide). Measured: at 50 boxes of 0.2, Z 1.2e-6 and gradient 8.7e-5; at 60 boxes of 1.0, Z 9.1e-3 and
    /// gradient 4.4e-2 — openTSNE's own FFT gradient errs alike on such points (Z 7.6e-3, repulsion 4.3e-2;
    /// sparse uniform points are its worst case, the error falls as points crowd). Bounds: about 2x.
    func testFFTGradientIsCloseToExact() throws {
        let n = 1500
        let p = try TSNEFixtures.affinities(try TSNEFixtures.uniform(n, 8, seed: 42), perplexity: 10)
        for (scale, zBound, gradientBound) in [(5.0, 3e-6, 2e-4), (30.0, 2e-2, 0.08)] {
            let y = TSNEFixtures.embedding(n, scale: scale, seed: 43)
            var exact = [Double](repeating: 0, count: 2 * n), fft = exact
            let exactZ = TSNEObjective(affinities: p, method: .exact).gradient(at: y, into: &exact)
            let z = TSNEObjective(affinities: p, method: .fft).gradient(at: y, into: &fft)
            let error = zip(fft, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
            print("FFT interpolation, scale \(scale): Z relative error \(abs(z - exactZ) / exactZ), gradient \(error / norm)")
            XCTAssertEqual(z, exactZ, accuracy: zBound * exactZ, "scale \(scale)")
            XCTAssertLessThan(error / norm, gradientBound, "FFT interpolation relative gradient error, scale \(scale)")
        }
    }

    /// Coincident points and an embedding of zero extent must not divide by zero.
    func testFFTHandlesCoincidentPoints() throws {
        let n = 40
        let p = try TSNEFixtures.affinities(try TSNEFixtures.uniform(n, 3, seed: 44), perplexity: 5)
        var exact = [Double](repeating: 0, count: 2 * n), fft = exact
        var y = TSNEFixtures.embedding(n, scale: 1, seed: 45)
        for i in 0..<15 { y[2 * i] = 0.25; y[2 * i + 1] = -0.5 }
        let exactZ = TSNEObjective(affinities: p, method: .exact).gradient(at: y, into: &exact)
        let z = TSNEObjective(affinities: p, method: .fft).gradient(at: y, into: &fft)
        XCTAssertEqual(z, exactZ, accuracy: 1e-4 * exactZ)
        assertClose(fft, exact, rtol: 1e-2, atol: 1e-3 * exact.map(abs).max()!)
        let same = [Double](repeating: 3, count: 2 * n)
        let zSame = TSNEObjective(affinities: p, method: .fft).gradient(at: same, into: &fft)
        XCTAssertEqual(zSame, Double(n * (n - 1)), accuracy: 1e-6 * Double(n * n))
        XCTAssertTrue(fft.allSatisfy { $0.isFinite })
    }

    func testDefaultMethodFollowsThePointCount() {
        let settings = TSNESettings()
        XCTAssertEqual(settings.resolvedMethod(points: TSNESettings.exactLimit), .exact)
        XCTAssertEqual(settings.resolvedMethod(points: TSNESettings.barnesHutLimit), .bh)
        XCTAssertEqual(settings.resolvedMethod(points: TSNESettings.barnesHutLimit + 1), .fft)
    }
}
