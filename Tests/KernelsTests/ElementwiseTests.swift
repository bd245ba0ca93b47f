import Kernels
import KernelsReference
import TestSupport
import XCTest

final class ElementwiseTests: XCTestCase {
    typealias Forward = (UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void

    /// C forward vs the Swift twin at every edge size and ISA.
    private func checkForward(_ name: String, rtol: Double = 1e-5, atol: Double = 1e-6, range: Range<Float> = -6..<6,
                              c: Forward, swift: ([Float]) -> [Float]) {
        forEachISA { isa in
            for (k, n) in edgeSizes.enumerated() {
                let x = randomFloats(n, in: range, seed: UInt64(k))
                assertClose(x.mapKernel(c), swift(x), rtol: rtol, atol: atol, "\(name) n=\(n) isa=\(isa)")
            }
        }
    }

    /// C backward vs central finite differences of the Double twin of the forward: for L = <r, f(x)>,
    /// dL/dx must equal backward(dy = r).
    private func checkBackward(_ name: String, avoidingZero: Bool = false,
                               forwardD: @escaping ([Double]) -> [Double],
                               backward: ([Float], [Float]) -> [Float]) {
        forEachISA { isa in
            for n in [1, 7, 16, 33, 70] {
                var x = randomFloats(n, in: -3..<3, seed: UInt64(n))
                if avoidingZero { x = x.map { abs($0) < 0.05 ? $0 + 0.1 : $0 } }  // kinks: FD is undefined there
                let r = randomFloats(n, seed: UInt64(n) + 100)
                let fd = finiteDifferenceGradient(x.doubles) { dot(r.doubles, forwardD($0)) }
                assertClose(backward(x, r), fd, rtol: 1e-3, atol: 1e-4, "\(name) backward n=\(n) isa=\(isa)")
            }
        }
    }

    func testReLU() {
        checkForward("relu", c: Elementwise.reluForward, swift: Reference.reluForward)
        checkBackward("relu", avoidingZero: true, forwardD: Reference.reluForward) { x, dy in
            let y = x.mapKernel(Elementwise.reluForward)
            return dy.mapKernel { dx, g in y.withUnsafeBufferPointer { Elementwise.reluBackward(dx, g, output: $0) } }
        }
    }

    func testLeakyReLU() {
        checkForward("leaky", c: { Elementwise.leakyReluForward($0, $1, slope: 0.2) },
                     swift: { Reference.leakyReluForward($0, slope: 0.2) })
        checkBackward("leaky", avoidingZero: true, forwardD: { Reference.leakyReluForward($0, slope: 0.2) }) { x, dy in
            dy.mapKernel { dx, g in x.withUnsafeBufferPointer { Elementwise.leakyReluBackward(dx, g, input: $0, slope: 0.2) } }
        }
    }

    func testSigmoid() {
        checkForward("sigmoid", rtol: 1e-5, atol: 1e-7, range: -30..<30, c: Elementwise.sigmoidForward, swift: Reference.sigmoidForward)
        checkBackward("sigmoid", forwardD: Reference.sigmoidForward) { x, dy in
            let y = x.mapKernel(Elementwise.sigmoidForward)
            return dy.mapKernel { dx, g in y.withUnsafeBufferPointer { Elementwise.sigmoidBackward(dx, g, output: $0) } }
        }
    }

    func testSigmoidSaturatesWithoutNaN() {
        forEachISA { isa in
            let x: [Float] = [-1e30, -200, -88, 0, 88, 200, 1e30, -.infinity, .infinity] + [Float](repeating: 1e6, count: 16)
            let y = x.mapKernel(Elementwise.sigmoidForward)
            XCTAssertFalse(y.contains { $0.isNaN || $0 < 0 || $0 > 1 }, "isa=\(isa) \(y)")
            XCTAssertEqual(y[3], 0.5, accuracy: 1e-7)
        }
    }

    func testTanh() {
        checkForward("tanh", rtol: 1e-5, atol: 2e-7, c: Elementwise.tanhForward, swift: Reference.tanhForward)
        checkBackward("tanh", forwardD: Reference.tanhForward) { x, dy in
            let y = x.mapKernel(Elementwise.tanhForward)
            return dy.mapKernel { dx, g in y.withUnsafeBufferPointer { Elementwise.tanhBackward(dx, g, output: $0) } }
        }
    }

    func testAxpyAndScale() {
        forEachISA { isa in
            for n in edgeSizes {
                let x = randomFloats(n, seed: 1), y0 = randomFloats(n, seed: 2)
                var y = y0
                x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { Elementwise.axpy($0, xb, alpha: -0.75) } }
                assertClose(y, Reference.axpy(y0, x, alpha: -0.75), "axpy n=\(n) isa=\(isa)")
                assertClose(x.mapKernel { Elementwise.scale($0, $1, alpha: 3) }, Reference.scale(x, alpha: 3), "scale n=\(n)")
            }
        }
    }

    func testInPlace() {
        let x = randomFloats(1001, in: -4..<4, seed: 9)
        var y = x
        y.withUnsafeMutableBufferPointer { Elementwise.sigmoidForward($0, UnsafeBufferPointer($0)) }
        assertClose(y, Reference.sigmoidForward(x), atol: 1e-7)
    }
}

final class RandomTests: XCTestCase {
    func testPhiloxKnownAnswer() {
        // Known-answer vectors from the Random123 distribution (kat_vectors, philox4x32 10 rounds).
        XCTAssertEqual(Random.philox(counter: (0, 0, 0, 0), key: (0, 0)), [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8])
        XCTAssertEqual(Random.philox(counter: (0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF), key: (0xFFFF_FFFF, 0xFFFF_FFFF)),
                       [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD])
        XCTAssertEqual(Random.philox(counter: (0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), key: (0xA409_3822, 0x299F_31D0)),
                       [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1])
        XCTAssertEqual(Philox.block(counter: [1, 2, 3, 4], key: [5, 6]), Random.philox(counter: (1, 2, 3, 4), key: (5, 6)))
    }

    func testUniformAndNormalMatchTwin() {
        var u = [Float](repeating: 0, count: 40_003), z = u
        // Every uniform, on every ISA (the kernels draw whole Philox blocks, 16 at a time in per-ISA code; offset 7
        // starts mid-block).
        let twin = u.indices.map { Philox.uniform(seed: 42, index: 7 + UInt64($0)) }
        forEachISA { isa in
            u.withUnsafeMutableBufferPointer { Random.uniform($0, seed: 42, offset: 7) }
            XCTAssertNil(u.indices.first { u[$0] != twin[$0] }, "first differing uniform, \(isa)")
        }
        z.withUnsafeMutableBufferPointer { Random.normal($0, seed: 42, offset: 7, mean: 1, std: 2) }
        for i in stride(from: 0, to: u.count, by: 997) {
            XCTAssertEqual(z[i], Philox.normal(seed: 42, index: 7 + UInt64(i), mean: 1, std: 2), accuracy: 1e-5)
        }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = z.reduce(0, +) / Float(z.count)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(z.count)
        XCTAssertEqual(mean, 1, accuracy: 0.05)
        XCTAssertEqual(variance.squareRoot(), 2, accuracy: 0.05)
    }

    /// Each ISA's mask kernel gives the twin's bits: kept x * scale, dropped +0 (also for negative, infinite and NaN
    /// inputs), at every vector-edge size and offset, in place as well.
    func testDropoutOnEveryISAMatchesTwinBitForBit() {
        let specials: [Float] = [-0.0, -3, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.greatestFiniteMagnitude]
        func same(_ a: [Float], _ b: [Float]) -> Int? {
            a.indices.first { !(a[$0].isNaN && b[$0].isNaN) && a[$0].bitPattern != b[$0].bitPattern }
        }
        forEachISA { isa in
            for n in edgeSizes {
                let x = randomFloats(n, in: -2..<2, seed: UInt64(n)).enumerated().map { $0.offset % 5 == 0 ? specials[$0.offset / 5 % specials.count] : $0.element }
                let expected = Reference.dropout(x, p: 0.3, seed: 9, offset: 3)
                let y = x.mapKernel { Elementwise.dropoutForward($0, $1, p: 0.3, seed: 9, offset: 3) }
                XCTAssertNil(same(y, expected), "\(isa) n=\(n): first differing element")
                var inPlace = x
                inPlace.withUnsafeMutableBufferPointer { Elementwise.dropoutBackward($0, UnsafeBufferPointer($0), p: 0.3, seed: 9, offset: 3) }
                XCTAssertNil(same(inPlace, expected), "\(isa) n=\(n) in place: first differing element")
            }
        }
    }

    func testDropoutMaskIsReproducibleAndThreadIndependent() {
        let x = randomFloats(50_000, seed: 3)
        let expected = Reference.dropout(x, p: 0.3, seed: 11, offset: 5)
        for threads in [1, 2, 3] {
            KernelRuntime.with(threads: threads) {
                let y = x.mapKernel { Elementwise.dropoutForward($0, $1, p: 0.3, seed: 11, offset: 5) }
                XCTAssertEqual(y, expected, "threads=\(threads)")
                let dx = x.mapKernel { Elementwise.dropoutBackward($0, $1, p: 0.3, seed: 11, offset: 5) }
                XCTAssertEqual(dx, expected, "backward uses the same mask")
            }
        }
        let kept = expected.filter { $0 != 0 }.count
        XCTAssertEqual(Double(kept) / Double(x.count), 0.7, accuracy: 0.01)
        // The kernel compares the uniform's 24 bits with p as integers: the same mask at the edges of p.
        for p: Float in [0.5, 1e-7, 3e-8, 0.999_999, 0.1] {
            let y = x.mapKernel { Elementwise.dropoutForward($0, $1, p: p, seed: 4, offset: 1) }
            let expected = Reference.dropout(x, p: p, seed: 4, offset: 1)
            XCTAssertNil(y.indices.first { y[$0] != expected[$0] }, "p=\(p): first differing element")
        }
        // p equal to a drawn uniform keeps that element; the next float up (between two 24-bit uniforms: below
        // 0.5 floats are finer than 2^-24) drops it.
        let at = (0..<x.count).first { (1e-3..<0.5).contains(Philox.uniform(seed: 4, index: 1 + UInt64($0))) }!
        let drawn = Philox.uniform(seed: 4, index: 1 + UInt64(at))
        for p in [drawn, drawn.nextUp] {
            let y = x.mapKernel { Elementwise.dropoutForward($0, $1, p: p, seed: 4, offset: 1) }
            let expected = Reference.dropout(x, p: p, seed: 4, offset: 1)
            XCTAssertNil(y.indices.first { y[$0] != expected[$0] }, "p=\(p): first differing element")
            XCTAssertEqual(y[at] != 0, p == drawn, "p=\(p)")
        }
    }
}
