import AEAnalysis
import CKernels
import Kernels
import KernelsReference
import TestSupport
import XCTest

extension SeededGenerator {
    /// A standard normal float (Box–Muller).
    mutating func gaussian() -> Float {
        let u = Float.random(in: Float.ulpOfOne..<1, using: &self), v = Float.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// Seeded test data for t-SNE.
enum TSNEFixtures {
    /// n points uniform in [-1, 1)^d.
    static func uniform(_ n: Int, _ d: Int, seed: UInt64) throws -> PointMatrix {
        try PointMatrix(rows: n, columns: d, values: randomFloats(n * d, seed: seed))
    }

    /// `clusters` well-separated blobs of `perCluster` points each: 2-D Gaussian clouds (σ = 1) mapped
    /// linearly into `dimension` coordinates and moved to centres 30 apart. Returns points and labels.
    static func blobs(clusters: Int, perCluster: Int, dimension: Int, seed: UInt64) throws -> (PointMatrix, [Int32]) {
        var g = SeededGenerator(seed: seed)
        var values: [Float] = [], labels: [Int32] = []
        for c in 0..<clusters {
            let centre = (0..<dimension).map { _ in 30 * g.gaussian() }
            let map = (0..<2 * dimension).map { _ in g.gaussian() / Float(2).squareRoot() }
            for _ in 0..<perCluster {
                let a = g.gaussian(), b = g.gaussian()
                values += (0..<dimension).map { centre[$0] + a * map[$0] + b * map[dimension + $0] }
                labels.append(Int32(c))
            }
        }
        return (try PointMatrix(rows: clusters * perCluster, columns: dimension, values: values), labels)
    }

    /// `clusters` Gaussian blobs (σ = 1 per coordinate) of `perCluster` points, centres drawn with σ = 10.
    static func isotropicBlobs(clusters: Int, perCluster: Int, dimension: Int, seed: UInt64) throws -> (PointMatrix, [Int32]) {
        var g = SeededGenerator(seed: seed)
        var values: [Float] = [], labels: [Int32] = []
        for c in 0..<clusters {
            let centre = (0..<dimension).map { _ in 10 * g.gaussian() }
            for _ in 0..<perCluster {
                values += centre.map { $0 + g.gaussian() }
                labels.append(Int32(c))
            }
        }
        return (try PointMatrix(rows: clusters * perCluster, columns: dimension, values: values), labels)
    }

    /// Perplexity-based P of `points`.
    static func affinities(_ points: PointMatrix, perplexity: Double) throws -> Affinities {
        let graph = try NearestNeighbors.exact(points, k: min(points.rows - 1, Int(3 * perplexity)))
        return try Affinities.perplexityBased(graph, perplexity: perplexity).0
    }

    /// An embedding n×2 uniform in [-scale, scale).
    static func embedding(_ n: Int, scale: Double, seed: UInt64) -> [Double] {
        randomFloats(2 * n, seed: seed).map { Double($0) * scale }
    }

    /// P as a dense n×n matrix.
    static func dense(_ p: Affinities) -> [Double] {
        var out = [Double](repeating: 0, count: p.count * p.count)
        for i in 0..<p.count {
            for e in Int(p.rowPtr[i])..<Int(p.rowPtr[i + 1]) { out[i * p.count + Int(p.col[e])] = p.val[e] }
        }
        return out
    }
}

final class TSNEKernelTests: XCTestCase {
    func testNearestNeighborsMatchSortedDistances() throws {
        let n = 157, d = 7, k = 12
        let points = try TSNEFixtures.uniform(n, d, seed: 3)
        let graph = try NearestNeighbors.exact(points, k: k)
        let reference = Reference.tsneNearestNeighbors(points.values.doubles, n: n, dim: d, k: k)
        XCTAssertEqual(graph.indices, reference.idx)
        assertClose(graph.distances, reference.dist, rtol: 1e-4, atol: 1e-5)

        let y = TSNEFixtures.embedding(n, scale: 3, seed: 4)
        let low = try NearestNeighbors.exact(embedding: y, dimension: 2, k: k)
        let lowReference = Reference.tsneNearestNeighbors(y, n: n, dim: 2, k: k)
        XCTAssertEqual(low.indices, lowReference.idx)
        XCTAssertThrowsError(try NearestNeighbors.exact(points, k: n))
    }

    func testCalibrationReachesThePerplexity() throws {
        let points = try TSNEFixtures.uniform(300, 5, seed: 5)
        let graph = try NearestNeighbors.exact(points, k: 30)
        let (conditional, precisions, missed) = Affinities.calibrate(graph, perplexity: 10)
        XCTAssertEqual(missed, 0)
        for i in stride(from: 0, to: graph.count, by: 7) {
            let d = graph.distances[i * 30..<(i + 1) * 30].map(Double.init)
            let (p, entropy) = Reference.tsneConditional(d, beta: precisions[i])
            XCTAssertEqual(entropy, log(10), accuracy: 1e-5, "point \(i)")
            assertClose(conditional[i * 30..<(i + 1) * 30], p, rtol: 1e-9, atol: 1e-12)
        }
    }

    func testAffinitiesAreSymmetricAndSumToOne() throws {
        let points = try TSNEFixtures.uniform(120, 4, seed: 6)
        let graph = try NearestNeighbors.exact(points, k: 15)
        let p = try Affinities.perplexityBased(graph, perplexity: 5).0
        let conditional = Affinities.calibrate(graph, perplexity: 5).conditional
        let dense = TSNEFixtures.dense(p)
        var expected = [Double](repeating: 0, count: 120 * 120)
        for i in 0..<120 {
            for m in 0..<15 {
                let j = Int(graph.indices[i * 15 + m])
                expected[i * 120 + j] += conditional[i * 15 + m] / 240
                expected[j * 120 + i] += conditional[i * 15 + m] / 240
            }
        }
        assertClose(dense, expected, rtol: 1e-12, atol: 1e-15)
        XCTAssertEqual(p.val.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertTrue(p.val.allSatisfy { $0 > 0 })
        XCTAssertThrowsError(try Affinities.perplexityBased(graph, perplexity: 15))
    }

    func testGradientAndDivergenceMatchTheDefinitions() throws {
        let n = 90
        let p = try TSNEFixtures.affinities(try TSNEFixtures.uniform(n, 6, seed: 8), perplexity: 8)
        let y = TSNEFixtures.embedding(n, scale: 5, seed: 9)
        let objective = TSNEObjective(affinities: p, method: .exact)
        var gradient = [Double](repeating: 0, count: 2 * n)
        let z = objective.gradient(at: y, exaggeration: 3, into: &gradient)
        let attr = Reference.tsneAttractive(y, rowPtr: p.rowPtr, col: p.col, val: p.val)
        let (rep, referenceZ) = Reference.tsneRepulsive(y)
        XCTAssertEqual(z, referenceZ, accuracy: 1e-10 * referenceZ)
        assertClose(gradient, (0..<2 * n).map { 4 * (3 * attr[$0] - rep[$0] / referenceZ) }, rtol: 1e-10, atol: 1e-14)
        XCTAssertEqual(objective.divergence(at: y), Reference.tsneKL(y, denseP: TSNEFixtures.dense(p)), accuracy: 1e-10)
    }

    func testExactGradientMatchesFiniteDifferencesOfKL() throws {
        let n = 30
        let p = try TSNEFixtures.affinities(try TSNEFixtures.uniform(n, 5, seed: 10), perplexity: 5)
        let objective = TSNEObjective(affinities: p, method: .exact)
        let y = TSNEFixtures.embedding(n, scale: 2, seed: 11)
        var gradient = [Double](repeating: 0, count: 2 * n)
        objective.gradient(at: y, into: &gradient)
        let numeric = finiteDifferenceGradient(y, step: 1e-5) { objective.divergence(at: $0) }
        assertClose(gradient, numeric, rtol: 1e-5, atol: 1e-8)
        XCTAssertGreaterThan(gradient.map(abs).max()!, 1e-3, "a vanishing gradient would pass trivially")
    }

    func testBarnesHutMatchesExactGradient() throws {
        let n = 400
        let p = try TSNEFixtures.affinities(try TSNEFixtures.uniform(n, 8, seed: 12), perplexity: 10)
        let y = TSNEFixtures.embedding(n, scale: 20, seed: 13)
        var exact = [Double](repeating: 0, count: 2 * n), bh = exact, bhTheta0 = exact
        let exactZ = TSNEObjective(affinities: p, method: .exact).gradient(at: y, into: &exact)
        let z0 = TSNEObjective(affinities: p, method: .bh, theta: 0).gradient(at: y, into: &bhTheta0)
        assertClose(bhTheta0, exact, rtol: 1e-9, atol: 1e-13)
        XCTAssertEqual(z0, exactZ, accuracy: 1e-9 * exactZ)

        let z = TSNEObjective(affinities: p, method: .bh, theta: 0.5).gradient(at: y, into: &bh)
        let error = zip(bh, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
        print("Barnes–Hut θ = 0.5: Z relative error \(abs(z - exactZ) / exactZ), gradient \(error / norm)")
        XCTAssertEqual(z, exactZ, accuracy: 0.02 * exactZ)
        XCTAssertLessThan(error / norm, 0.03, "Barnes–Hut θ = 0.5 relative gradient error")
    }

    func testBarnesHutHandlesCoincidentPoints() throws {
        let n = 60
        let p = try TSNEFixtures.affinities(try TSNEFixtures.uniform(n, 3, seed: 14), perplexity: 5)
        var y = TSNEFixtures.embedding(n, scale: 1, seed: 15)
        for i in 0..<20 { y[2 * i] = 0.25; y[2 * i + 1] = -0.5 }  // 20 copies of one point
        y[42] = y[40] + 1e-300  // and two that differ below any cell size
        var exact = [Double](repeating: 0, count: 2 * n), bh = exact
        TSNEObjective(affinities: p, method: .exact).gradient(at: y, into: &exact)
        TSNEObjective(affinities: p, method: .bh, theta: 0).gradient(at: y, into: &bh)
        assertClose(bh, exact, rtol: 1e-9, atol: 1e-12)
    }

    func testResultsDoNotDependOnTheThreadCount() throws {
        let n = 700
        let p = try TSNEFixtures.affinities(try TSNEFixtures.uniform(n, 5, seed: 16), perplexity: 10)
        let y = TSNEFixtures.embedding(n, scale: 10, seed: 17)
        func run(threads: Int, _ method: TSNEMethod) -> ([Double], Double) {
            KernelRuntime.with(threads: threads) {
                let objective = TSNEObjective(affinities: p, method: method)
                var g = [Double](repeating: 0, count: 2 * n)
                objective.gradient(at: y, into: &g)
                return (g, objective.divergence(at: y))
            }
        }
        for method in TSNEMethod.allCases {
            let one = run(threads: 1, method), three = run(threads: 3, method)
            XCTAssertEqual(one.0, three.0, "\(method) gradient")
            XCTAssertEqual(one.1, three.1, "\(method) KL")
        }
    }

    func testOptimizerStepMatchesReference() {
        let count = 37
        var y = randomFloats(count, seed: 18).doubles, update = randomFloats(count, seed: 19).doubles
        var gains = randomFloats(count, in: 0..<2, seed: 20).doubles
        let grad = randomFloats(count, seed: 21).doubles
        var (ry, rupdate, rgains) = (y, update, gains)
        ck_tsne_gd_step(&y, &update, &gains, grad, Int64(count), 7.5, 0.8, 0.01)
        Reference.tsneStep(y: &ry, update: &rupdate, gains: &rgains, grad: grad, learningRate: 7.5, momentum: 0.8, minGain: 0.01)
        XCTAssertEqual(y, ry)
        XCTAssertEqual(update, rupdate)
        XCTAssertEqual(gains, rgains)
    }
}
