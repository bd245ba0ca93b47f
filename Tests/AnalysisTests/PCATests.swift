import AEAnalysis
import AEData
import Foundation
import TestSupport
import XCTest

final class PCATests: XCTestCase {
    /// Four points on the axes: covariance diag(6, 2/3) with the n − 1 denominator, rotated by 30°.
    func testClosedFormRotatedCross() throws {
        let c = cos(Double.pi / 6), s = sin(Double.pi / 6)
        let raw: [(Double, Double)] = [(3, 0), (-3, 0), (0, 1), (0, -1)]
        let shift = (5.0, -2.0)
        var values: [Float] = []
        for (x, y) in raw {
            let u: Double = c * x - s * y + shift.0
            let v: Double = s * x + c * y + shift.1
            values += [Float(u), Float(v)]
        }
        let pca = try PCA.fit(try PointMatrix(rows: 4, columns: 2, values: values), components: 2)
        assertClose(pca.explainedVariance, [6, 2.0 / 3], rtol: 1e-5)
        assertClose(pca.explainedVarianceRatio, [0.9, 0.1], rtol: 1e-5)
        assertClose(pca.mean, [shift.0, shift.1], rtol: 1e-6)
        // Each component's largest-magnitude coordinate is positive: PC1 = (c, s), PC2 = (−s, c) as c > s.
        assertClose(pca.components, [Float(c), Float(s), Float(-s), Float(c)], atol: 1e-5)
        assertClose(pca.projection.values, raw.flatMap { [Float($0.0), Float($0.1)] }, atol: 1e-5)
    }

    func testRejectsImpossibleComponentCounts() throws {
        let points = try PointMatrix(rows: 3, columns: 2, values: randomFloats(6, seed: 1))
        XCTAssertThrowsError(try PCA.fit(points, components: 3))
        XCTAssertThrowsError(try PCA.fit(points, components: 0))
        XCTAssertThrowsError(try PointMatrix(rows: 2, columns: 2, values: [1, 2, .nan, 4]))
    }

    /// Against scikit-learn's PCA on anisotropic data (skipped without python3 + sklearn unless CI is set).
    func testMatchesScikitLearn() throws {
        let n = 1500, d = 20, k = 8
        var g = SeededGenerator(seed: 7)
        let scales = (0..<d).map { Float(10) / Float($0 + 1) }
        let mixing = (0..<d * d).map { _ in Float.random(in: -1..<1, using: &g) }
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            let latent = (0..<d).map { scales[$0] * Float.random(in: -1..<1, using: &g) }
            for j in 0..<d { values[i * d + j] = 3 + (0..<d).reduce(0) { $0 + latent[$1] * mixing[$1 * d + j] } }
        }
        let pca = try PCA.fit(try PointMatrix(rows: n, columns: d, values: values), components: k)
        guard let reference = try Python.run("""
            import json, sys, numpy as np
            from sklearn.decomposition import PCA
            x = np.load(sys.argv[1]).astype(np.float64)
            p = PCA(n_components=\(k)).fit(x)
            print(json.dumps({"ev": p.explained_variance_.tolist(), "ratio": p.explained_variance_ratio_.tolist(),
                              "components": p.components_.ravel().tolist(), "mean": p.mean_.tolist(),
                              "projection": p.transform(x)[:50].ravel().tolist()}))
            """, array: values, shape: [n, d]) else { return }
        assertClose(pca.explainedVariance, reference["ev"]!, rtol: 1e-4)
        assertClose(pca.explainedVarianceRatio, reference["ratio"]!, rtol: 1e-4)
        assertClose(pca.mean, reference["mean"]!, rtol: 1e-5, atol: 1e-5)
        // Components up to sign: flip each reference row to agree with ours.
        let theirs = reference["components"]!
        for r in 0..<k {
            let ours = pca.components[r * d..<(r + 1) * d].map(Double.init)
            let row = Array(theirs[r * d..<(r + 1) * d])
            let sign = zip(ours, row).reduce(0) { $0 + $1.0 * $1.1 } < 0 ? -1.0 : 1.0
            assertClose(ours, row.map { $0 * sign }, atol: 1e-4, "component \(r)")
            let projected = (0..<50).map { Double(pca.projection.values[$0 * k + r]) }
            assertClose(projected, (0..<50).map { reference["projection"]![$0 * k + r] * sign }, rtol: 1e-3, atol: 1e-3, "projection \(r)")
        }
    }
}

/// Runs Python snippets that compare against numpy / scikit-learn.
enum Python {
    /// Runs `script` with the path of a temporary .npy file holding `array` as argv[1] and decodes its JSON
    /// output (a dict of number lists). Returns nil (test skipped) when python3 or a module is missing,
    /// unless the environment variable CI is set, in which case that is a failure.
    static func run(_ script: String, array: [Float], shape: [Int], file: StaticString = #filePath, line: UInt = #line) throws -> [String: [Double]]? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("analysis-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let npy = dir.appendingPathComponent("x.npy").path
        try NPY.write(NPYArray(shape: shape, values: .float32(array)), to: npy)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, npy]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return try unavailable("python3 not runnable: \(error)", file: file, line: line) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            if errors.contains("ModuleNotFoundError") || process.terminationStatus == 127 {
                return try unavailable("python3 lacks a module: \(errors.suffix(200))", file: file, line: line)
            }
            XCTFail("python failed: \(errors)", file: file, line: line)
            return nil
        }
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return json.mapValues { ($0 as! [NSNumber]).map(\.doubleValue) }
    }

    private static func unavailable(_ why: String, file: StaticString, line: UInt) throws -> [String: [Double]]? {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail("CI is set but \(why)", file: file, line: line)
            return nil
        }
        throw XCTSkip(why)
    }
}
