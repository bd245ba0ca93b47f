@testable import AEData
import XCTest

final class SplitsTests: XCTestCase {
    /// Unbalanced classes: 0 has 500, 1 has 300, 2 has 200, 7 has 3 — interleaved.
    private let labels: [Int32] = {
        let l = [Int32](repeating: 0, count: 500) + Array(repeating: 1, count: 300) + Array(repeating: 2, count: 200)
            + [7, 7, 7]
        var g = SplitMix64(seed: 99)
        return g.shuffled(l)
    }()

    func testStratifiedProportionsAndDisjointness() {
        let parts = Splits.stratified(labels: labels, fractions: [0.8, 0.1, 0.1], seed: 1)
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(parts.flatMap { $0 }.sorted(), Array(labels.indices), "every index exactly once")
        for part in parts { XCTAssertEqual(part, part.sorted()) }
        for (cls, size) in [(Int32(0), 500), (1, 300), (2, 200)] {
            for (k, f) in [0.8, 0.1, 0.1].enumerated() {
                let n = parts[k].filter { labels[$0] == cls }.count
                XCTAssertEqual(Double(n), f * Double(size), accuracy: 1, "class \(cls) part \(k)")
            }
        }
        XCTAssertEqual(parts.map(\.count).reduce(0, +), labels.count)
    }

    func testStratifiedIsDeterministicAndSeeded() {
        let a = Splits.stratified(labels: labels, fractions: [0.5, 0.5], seed: 7)
        XCTAssertEqual(a, Splits.stratified(labels: labels, fractions: [0.5, 0.5], seed: 7))
        XCTAssertNotEqual(a, Splits.stratified(labels: labels, fractions: [0.5, 0.5], seed: 8))
        // Fractions 1 and 0: everything in the first part.
        XCTAssertEqual(Splits.stratified(labels: labels, fractions: [1, 0], seed: 3), [Array(labels.indices), []])
    }

    func testKFoldCoversEverythingOnce() {
        let k = 5
        let folds = Splits.kFold(labels: labels, k: k, seed: 11)
        XCTAssertEqual(folds.count, k)
        XCTAssertEqual(folds.flatMap(\.validation).sorted(), Array(labels.indices), "each index validates once")
        for fold in folds {
            XCTAssertEqual((fold.train + fold.validation).sorted(), Array(labels.indices))
            XCTAssertTrue(Set(fold.train).isDisjoint(with: fold.validation))
            XCTAssertEqual(Double(fold.validation.count), Double(labels.count) / Double(k), accuracy: 1)
            XCTAssertEqual(fold.validation.filter { labels[$0] == 1 }.count, 60)  // 300 / 5 per fold
        }
        let again = Splits.kFold(labels: labels, k: k, seed: 11)
        XCTAssertEqual(folds.map(\.validation), again.map(\.validation))
        XCTAssertNotEqual(folds.map(\.validation), Splits.kFold(labels: labels, k: k, seed: 12).map(\.validation))
    }
}

final class CorruptionTests: XCTestCase {
    private let (c, h, w, n) = (2, 9, 7, 6)
    private var clean: [Float] { (0..<(n * c * h * w)).map { Float($0 % 11) / 10 } }

    func testParsing() throws {
        XCTAssertEqual(try Corruption(parsing: "gaussian:0.3"), .gaussian(sigma: 0.3))
        XCTAssertEqual(try Corruption(parsing: "uniform:1"), .uniform(amount: 1))
        XCTAssertEqual(try Corruption(parsing: "occlusion:14"), .occlusion(size: 14))
        XCTAssertEqual(try Corruption(parsing: "uniform-add:1"), .additiveUniform(scale: 1))
        for corruption in [Corruption.gaussian(sigma: 0.3), .uniform(amount: 0.5), .additiveUniform(scale: 0.5), .occlusion(size: 3)] {
            XCTAssertEqual(try Corruption(parsing: corruption.description), corruption)
        }
        for bad in ["gaussian", "gaussian:-1", "uniform:2", "uniform-add:-1", "uniform-add:nan", "occlusion:x", "salt:0.1", ""] {
            assertDataError(.invalidArgument) { try Corruption(parsing: bad) }
        }
    }

    /// Same seed → same noise; batching with `firstIndex` gives the same result as one call.
    func testDeterministicAndBatchIndependent() {
        for corruption in [Corruption.gaussian(sigma: 0.5), .uniform(amount: 0.7), .additiveUniform(scale: 1), .occlusion(size: 4)] {
            var whole = clean
            corruption.apply(to: &whole, count: n, channels: c, height: h, width: w, seed: 42)
            var again = clean
            corruption.apply(to: &again, count: n, channels: c, height: h, width: w, seed: 42)
            XCTAssertEqual(whole, again, "\(corruption)")
            XCTAssertNotEqual(whole, clean, "\(corruption) changed nothing")
            var other = clean
            corruption.apply(to: &other, count: n, channels: c, height: h, width: w, seed: 43)
            XCTAssertNotEqual(whole, other, "\(corruption) ignores the seed")

            let size = c * h * w
            var batched: [Float] = []
            for start in stride(from: 0, to: n, by: 4) {
                let m = min(4, n - start)
                var batch = Array(clean[(start * size)..<((start + m) * size)])
                corruption.apply(to: &batch, count: m, channels: c, height: h, width: w, seed: 42, firstIndex: start)
                batched += batch
            }
            XCTAssertEqual(batched, whole, "\(corruption) depends on batching")
        }
    }

    func testValuesStayInUnitRange() {
        for corruption in [Corruption.gaussian(sigma: 2), .uniform(amount: 1), .uniform(amount: 0.3), .additiveUniform(scale: 1)] {
            var x = clean
            corruption.apply(to: &x, count: n, channels: c, height: h, width: w, seed: 5)
            XCTAssertTrue(x.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(corruption)")
        }
        // Large sigma: clipping must actually happen at both ends.
        var x = [Float](repeating: 0.5, count: 1000)
        Corruption.gaussian(sigma: 2).apply(to: &x, count: 1, channels: 1, height: 10, width: 100, seed: 1)
        XCTAssertTrue(x.contains(0) && x.contains(1))
        // Small sigma: the noise has about the right spread.
        var y = [Float](repeating: 0.5, count: 10000)
        Corruption.gaussian(sigma: 0.05).apply(to: &y, count: 1, channels: 1, height: 100, width: 100, seed: 2)
        let sd = (y.map { Double($0 - 0.5) * Double($0 - 0.5) }.reduce(0, +) / Double(y.count)).squareRoot()
        XCTAssertEqual(sd, 0.05, accuracy: 0.003)
        var z = [Float](repeating: 0.25, count: 10000)
        Corruption.uniform(amount: 1).apply(to: &z, count: 1, channels: 1, height: 100, width: 100, seed: 3)
        XCTAssertEqual(Double(z.reduce(0, +)) / 10000, 0.5, accuracy: 0.02)
        // 0.25 + U[0, 1), clipped at 1: E = ∫₀^0.75 (0.25 + u) du + 0.25·1 = 0.71875; a quarter saturates.
        var a = [Float](repeating: 0.25, count: 10000)
        Corruption.additiveUniform(scale: 1).apply(to: &a, count: 1, channels: 1, height: 100, width: 100, seed: 3)
        XCTAssertEqual(Double(a.reduce(0, +)) / 10000, 0.71875, accuracy: 0.01)
        XCTAssertEqual(Double(a.filter { $0 == 1 }.count) / 10000, 0.25, accuracy: 0.02)
        XCTAssertTrue(a.allSatisfy { $0 >= 0.25 })
    }

    /// Exactly size² pixels per channel become 0, forming a square, at varying positions.
    func testOcclusionArea() {
        let ones = [Float](repeating: 1, count: n * c * h * w)
        for size in [0, 1, 4, 7] {
            var x = ones
            Corruption.occlusion(size: size).apply(to: &x, count: n, channels: c, height: h, width: w, seed: 9)
            var corners = Set<Int>()
            for i in 0..<n {
                for ch in 0..<c {
                    let plane = Array(x[((i * c + ch) * h * w)..<((i * c + ch + 1) * h * w)])
                    let zeros = plane.indices.filter { plane[$0] == 0 }
                    XCTAssertEqual(zeros.count, size * size, "image \(i) channel \(ch) size \(size)")
                    guard let first = zeros.first else { continue }
                    let (y0, x0) = (first / w, first % w)
                    corners.insert(first)
                    for dy in 0..<size { for dx in 0..<size { XCTAssertEqual(plane[(y0 + dy) * w + x0 + dx], 0) } }
                }
            }
            if size == 4 { XCTAssertGreaterThan(corners.count, 1, "occlusion always at the same place") }
        }
    }
}
