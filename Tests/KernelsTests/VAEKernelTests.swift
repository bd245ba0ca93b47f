import Kernels
import KernelsReference
import TestSupport
import XCTest

/// Runs the C VAE head forward (and backward when `dz` is given); outputs are NaN-filled first so an
/// unwritten element shows up.
private func head(_ h: [Float], eps: [Float]?, dz: [Float]? = nil, batch: Int, latent: Int, klScale: Float = 0.25)
    -> (z: [Float], klRows: [Float], kl: Double, dh: [Float]) {
    var z = [Float](repeating: .nan, count: batch * latent), klRows = [Float](repeating: .nan, count: batch)
    var dh = [Float](repeating: .nan, count: dz == nil ? 0 : h.count)
    let kl = h.withUnsafeBufferPointer { hb in
        withOptionalBuffer(eps) { eb in
            let kl = z.withUnsafeMutableBufferPointer { zb in
                klRows.withUnsafeMutableBufferPointer { VAEHead.forward(z: zb, klRows: $0, h: hb, eps: eb, batch: batch, latent: latent) }
            }
            if let dz {
                dz.withUnsafeBufferPointer { g in
                    dh.withUnsafeMutableBufferPointer {
                        VAEHead.backward(dh: $0, dz: g, h: hb, eps: eb, batch: batch, latent: latent, klScale: klScale)
                    }
                }
            }
            return kl
        }
    }
    return (z, klRows, kl, dh)
}

private func withOptionalBuffer<R>(_ a: [Float]?, _ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
    guard let a else { return body(nil) }
    return a.withUnsafeBufferPointer { body($0) }
}

/// Standard-normal noise from the kernels' counter-based generator.
private func normals(_ n: Int, seed: UInt64) -> [Float] {
    var out = [Float](repeating: 0, count: n)
    out.withUnsafeMutableBufferPointer { Random.normal($0, seed: seed) }
    return out
}

/// Encoder outputs with μ in [-2, 2) and log σ² in [-3, 1.5).
private func encoderOutputs(batch: Int, latent: Int, seed: UInt64) -> [Float] {
    let mu = randomFloats(batch * latent, in: -2..<2, seed: seed), lv = randomFloats(batch * latent, in: -3..<1.5, seed: seed + 1)
    var h = [Float]()
    for b in 0..<batch {
        let row = b * latent..<(b + 1) * latent
        h += mu[row]
        h += lv[row]
    }
    return h
}

final class VAEKernelTests: XCTestCase {
    /// (batch, latent): single elements, every vector-width edge of a row, and a batch large enough to be split
    /// over threads.
    static let shapes = [(1, 1), (3, 7), (2, 8), (5, 16), (4, 17), (2, 33), (3, 64), (129, 20), (700, 48)]

    func testMatchesTwinOnEveryISA() {
        forEachISA { isa in
            for (batch, latent) in Self.shapes {
                let h = encoderOutputs(batch: batch, latent: latent, seed: UInt64(batch * 100 + latent))
                let dz = randomFloats(batch * latent, seed: 5)
                for eps in [normals(batch * latent, seed: 9), nil] {
                    let got = head(h, eps: eps, dz: dz, batch: batch, latent: latent, klScale: 0.25)
                    let twin = Reference.vaeForward(h.doubles, eps: eps?.doubles, batch: batch, latent: latent)
                    let dh = Reference.vaeBackward(dz: dz.doubles, h.doubles, eps: eps?.doubles, batch: batch, latent: latent, klScale: 0.25)
                    let what = "\(batch)x\(latent) eps=\(eps != nil) isa=\(isa)"
                    assertClose(got.z, twin.z, rtol: 1e-5, atol: 1e-6, "z \(what)")
                    assertClose(got.klRows, twin.klRows, rtol: 1e-5, atol: 1e-5, "kl rows \(what)")
                    XCTAssertEqual(got.kl, twin.kl, accuracy: 1e-5 * abs(twin.kl) + 1e-5, what)
                    XCTAssertEqual(got.kl, got.klRows.reduce(0.0) { $0 + Double($1) }, "total = rows in order \(what)")
                    assertClose(got.dh, dh, rtol: 1e-5, atol: 1e-6, "dh \(what)")
                    if eps == nil {
                        let mu: [Float] = (0..<batch).flatMap { b -> ArraySlice<Float> in h[2 * b * latent..<(2 * b + 1) * latent] }
                        XCTAssertEqual(got.z, mu, "z = mu \(what)")
                    }
                }
            }
        }
    }

    /// Backward vs central differences of L = ⟨r, z⟩ + c · KL computed by the Double twin.
    func testBackwardMatchesFiniteDifferences() {
        let (batch, latent, c) = (3, 19, 0.3)
        let h = encoderOutputs(batch: batch, latent: latent, seed: 21), eps = normals(batch * latent, seed: 22)
        let r = randomFloats(batch * latent, seed: 23)
        let fd = finiteDifferenceGradient(h.doubles) {
            let f = Reference.vaeForward($0, eps: eps.doubles, batch: batch, latent: latent)
            return dot(r.doubles, f.z) + c * f.kl
        }
        forEachISA { isa in
            let got = head(h, eps: eps, dz: r, batch: batch, latent: latent, klScale: Float(c))
            assertClose(got.dh, fd, rtol: 1e-4, atol: 1e-6, "isa=\(isa)")
        }
    }

    /// The closed form against a Monte-Carlo estimate E_q[log q(z) − log p(z)] over 200,000 reparameterised
    /// samples (z from the kernel itself), within 5 standard errors of the estimate.
    func testClosedFormKLMatchesMonteCarlo() {
        let latent = 3, samples = 200_000
        for (k, row) in [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.5, -0.5, 0.2, -1.0, 0.7, -2.5], [-2, 0.1, 3, 1.2, -0.3, 0.4]].enumerated() {
            let rowF = row.map(Float.init)
            let h = [Float]((0..<samples).map { _ in rowF }.joined())
            let eps = normals(samples * latent, seed: 40 + UInt64(k))
            let got = head(h, eps: eps, batch: samples, latent: latent)
            var sum = 0.0, sumSq = 0.0
            for b in 0..<samples {
                var logRatio = 0.0
                for j in 0..<latent {
                    let z = Double(got.z[b * latent + j]), mu = row[j], lv = row[latent + j]
                    // log N(z; μ, σ²) − log N(z; 0, 1), the 2π terms cancel.
                    logRatio += -0.5 * (lv + (z - mu) * (z - mu) / exp(lv)) + 0.5 * z * z
                }
                sum += logRatio
                sumSq += logRatio * logRatio
            }
            let mean = sum / Double(samples), stderr = ((sumSq / Double(samples) - mean * mean) / Double(samples)).squareRoot()
            let closed = Double(got.klRows[0])
            XCTAssertEqual(mean, closed, accuracy: 5 * stderr + 1e-6, "row \(row): Monte Carlo \(mean) ± \(stderr), closed form \(closed)")
            XCTAssertEqual(closed, Reference.vaeForward(row, eps: nil, batch: 1, latent: latent).kl, accuracy: 1e-5)
        }
        XCTAssertEqual(head([0, 0], eps: nil, batch: 1, latent: 1).kl, 0, "q = prior has KL 0")
    }

    /// Extreme log-variances stay finite where σ² is representable; ε = 0 gives z = μ bit for bit.
    func testExtremesAndDegenerateShapes() {
        forEachISA { isa in
            let latent = 17
            let h = [Float](repeating: 0.5, count: latent) + (0..<latent).map { Float($0 * 10 - 80) }  // log σ² in [-80, 80]
            let got = head(h, eps: normals(latent, seed: 3), dz: [Float](repeating: 1, count: latent), batch: 1, latent: latent)
            XCTAssertTrue(got.z.allSatisfy(\.isFinite) && got.dh.allSatisfy(\.isFinite) && got.kl.isFinite, "isa=\(isa)")
            let twin = Reference.vaeForward(h.doubles, eps: nil, batch: 1, latent: latent)
            XCTAssertEqual(got.kl, twin.kl, accuracy: 1e-5 * abs(twin.kl), "isa=\(isa)")
            XCTAssertEqual(head([], eps: nil, batch: 0, latent: 4).kl, 0, "empty batch")
        }
    }

    /// One thread or two: bitwise equal z, KL and dh.
    func testThreadCountIndependence() throws {
        try XCTSkipUnless(KernelRuntime.openMP, "built without OpenMP")
        let (batch, latent) = (2000, 40)
        let h = encoderOutputs(batch: batch, latent: latent, seed: 60), eps = normals(batch * latent, seed: 61)
        let dz = randomFloats(batch * latent, seed: 62)
        forEachISA { isa in
            func run() -> [[Float]] {
                let r = head(h, eps: eps, dz: dz, batch: batch, latent: latent)
                return [r.z, r.klRows, [Float(r.kl)], r.dh]
            }
            let one = KernelRuntime.with(threads: 1, run), two = KernelRuntime.with(threads: 2, run)
            for (k, (a, b)) in zip(one, two).enumerated() {
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "result \(k) isa=\(isa)")
            }
        }
    }
}
