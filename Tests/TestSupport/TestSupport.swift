import Kernels
import Foundation
import AEData
import XCTest

/// A small seeded generator for test data, so every failing case can be reproduced: the library's SplitMix64
/// (the same sequence for the same seed).
public typealias SeededGenerator = SplitMix64

/// `count` floats uniform in [lo, hi).
public func randomFloats(_ count: Int, in range: Range<Float> = -1..<1, seed: UInt64) -> [Float] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: range, using: &g) }
}

/// Sizes that exercise the vector-width edges: 1, odd, just below/above multiples of 4, 8, 16, 32, and a few
/// large enough to be split into several parallel chunks.
public let edgeSizes: [Int] = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 1000, 16385, 40_001]

/// Runs `body` once for every ISA this CPU supports, with that ISA forced.
public func forEachISA(file: StaticString = #filePath, line: UInt = #line, _ body: (ISA) throws -> Void) rethrows {
    let previous = KernelRuntime.isa
    defer { try? KernelRuntime.force(previous) }
    for isa in ISA.supported {
        try! KernelRuntime.force(isa)
        try body(isa)
    }
}

/// Asserts |a - b| <= atol + rtol |b| elementwise; reports the worst index.
public func assertClose<A: Collection, B: Collection>(
    _ a: A, _ b: B, rtol: Double = 1e-5, atol: Double = 1e-6, _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
    XCTAssertEqual(a.count, b.count, "sizes differ. \(message())", file: file, line: line)
    var worst: (index: Int, excess: Double, a: Double, b: Double)? = nil
    for (i, (x, y)) in zip(a, b).enumerated() {
        let xd = Double(x), yd = Double(y)
        let bound = atol + rtol * abs(yd)
        let err = abs(xd - yd)
        if !(err <= bound) || xd.isNaN != yd.isNaN {
            let excess = err.isNaN ? .infinity : err / bound
            if worst == nil || excess > worst!.excess { worst = (i, excess, xd, yd) }
        }
    }
    if let w = worst {
        XCTFail("mismatch at \(w.index): \(w.a) vs \(w.b) (\(w.excess)x tolerance). \(message())", file: file, line: line)
    }
}

/// Central finite-difference gradient of a scalar function of x, in Double.
public func finiteDifferenceGradient(_ x: [Double], step h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var xp = x
    return x.indices.map { i in
        let saved = xp[i]
        xp[i] = saved + h
        let fp = f(xp)
        xp[i] = saved - h
        let fm = f(xp)
        xp[i] = saved
        return (fp - fm) / (2 * h)
    }
}

/// Dot product in Double, for building scalar losses L = <r, f(x)> whose gradient is backward(dy = r).
public func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

extension Array where Element == Float {
    /// Calls a kernel that writes an output of `count` floats from this input, returning the output.
    public func mapKernel(count: Int? = nil, _ kernel: (UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void) -> [Float] {
        var out = [Float](repeating: .nan, count: count ?? self.count)
        withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { kernel($0, x) } }
        return out
    }
    public var doubles: [Double] { map(Double.init) }
}

/// `ae`, built beside the test bundle by `swift build --build-tests` (scripts/test.sh). Missing, the
/// calling test is skipped — except in CI, where that is a failure.
public func builtAEExecutable() throws -> String {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()].map({ $0.appendingPathComponent("ae").path })
    where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("CI must build ae before the tests (scripts/test.sh)") }
    throw XCTSkip("the ae executable is not built next to the tests; run scripts/test.sh")
}

/// (batch, c, plane) <-> (batch, plane, c): NCHW to channels-last when `toChannelsLast`, else back.
public func changeLayout(_ a: [Float], batch: Int, c: Int, plane: Int, toChannelsLast: Bool) -> [Float] {
    guard !a.isEmpty else { return a }
    var out = [Float](repeating: .nan, count: a.count)
    for b in 0..<batch {
        for ch in 0..<c {
            for p in 0..<plane {
                let nchw = (b * c + ch) * plane + p, nhwc = (b * plane + p) * c + ch
                if toChannelsLast { out[nhwc] = a[nchw] } else { out[nchw] = a[nhwc] }
            }
        }
    }
    return out
}
