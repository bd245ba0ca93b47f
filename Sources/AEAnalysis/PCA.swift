import CLapacke
import Kernels

/// lapacke.h defines lapack_int as a macro (int32_t by default), which Swift does not import.
typealias LapackInt = Int32

/// The principal components of a point set, as scikit-learn's `PCA(n_components=k)` defines them.
public struct PCAResult: Sendable, Equatable {
    /// k×d, one unit-length component per row, by decreasing variance. The sign of each is fixed so that
    /// its largest-magnitude coordinate is positive (scikit-learn ≥ 1.5 flips signs the same way).
    public let components: [Float]
    /// The variance along each component (eigenvalues of the covariance with the n − 1 denominator).
    public let explainedVariance: [Double]
    /// explainedVariance / total variance (the trace of the covariance).
    public let explainedVarianceRatio: [Double]
    /// The mean of the points (d).
    public let mean: [Double]
    /// The centred points in component coordinates, n×k.
    public let projection: PointMatrix

    public var componentCount: Int { explainedVariance.count }
    public var dimension: Int { mean.count }
}

/// Principal component analysis by a symmetric eigendecomposition of the covariance matrix.
public enum PCA {
    /// Rows centred and multiplied per block of this many rows, so memory stays O(block × d) and the float32
    /// GEMM sums at most this many products before they are added in double.
    static let blockRows = 2048

    /// PCA of `points` keeping `components` (1 ... min(n, d)) components. The covariance is formed with our
    /// SGEMM per block of rows and accumulated in double; LAPACK's dsyevr gives its top eigenpairs.
    public static func fit(_ points: PointMatrix, components k: Int) throws -> PCAResult {
        let n = points.rows, d = points.columns
        guard n >= 2, d >= 1 else { throw AnalysisError("PCA needs at least 2 points of dimension ≥ 1, got \(n)×\(d)") }
        guard (1...min(n, d)).contains(k) else {
            throw AnalysisError("PCA of \(n)×\(d) points can keep 1...\(min(n, d)) components, asked for \(k)")
        }
        let mean = columnMeans(points)
        var covariance = [Double](repeating: 0, count: d * d)
        var product = [Float](repeating: 0, count: d * d)
        forEachCenteredBlock(points, mean: mean) { block, rows in
            product.withUnsafeMutableBufferPointer { c in
                Gemm.sgemm(.transposed, .none, m: d, n: d, k: rows, a: block, b: block, c: c.baseAddress!)
            }
            for i in 0..<d * d { covariance[i] += Double(product[i]) }
        }
        for i in 0..<d * d { covariance[i] /= Double(n - 1) }
        let totalVariance = (0..<d).reduce(0.0) { $0 + covariance[$1 * d + $1] }
        let (values, vectors) = try topEigenpairs(of: &covariance, dimension: d, count: k)
        let components = signFixed(vectors, rows: k, columns: d)
        let projection = project(points, mean: mean, components: components, count: k)
        return PCAResult(
            components: components,
            explainedVariance: values,
            explainedVarianceRatio: values.map { totalVariance > 0 ? $0 / totalVariance : 0 },
            mean: mean,
            projection: projection)
    }

    /// The mean of each column, summed in double.
    static func columnMeans(_ points: PointMatrix) -> [Double] {
        var sums = [Double](repeating: 0, count: points.columns)
        points.values.withUnsafeBufferPointer { x in
            for r in 0..<points.rows {
                for c in 0..<points.columns { sums[c] += Double(x[r * points.columns + c]) }
            }
        }
        return sums.map { $0 / Double(points.rows) }
    }

    /// Calls `body(block, rows)` for consecutive blocks of centred rows (block is rows×d, float32).
    static func forEachCenteredBlock(_ points: PointMatrix, mean: [Double],
                                     _ body: (UnsafePointer<Float>, Int) -> Void) {
        let d = points.columns, meanF = mean.map { Float($0) }
        var block = [Float](repeating: 0, count: min(blockRows, points.rows) * d)
        points.values.withUnsafeBufferPointer { x in
            var start = 0
            while start < points.rows {
                let rows = min(blockRows, points.rows - start)
                for r in 0..<rows {
                    for c in 0..<d { block[r * d + c] = x[(start + r) * d + c] - meanF[c] }
                }
                block.withUnsafeBufferPointer { body($0.baseAddress!, rows) }
                start += rows
            }
        }
    }

    /// The `count` largest eigenvalues (descending) of the symmetric d×d matrix and their eigenvectors as
    /// rows (count×d). `matrix` is destroyed.
    static func topEigenpairs(of matrix: inout [Double], dimension d: Int, count k: Int) throws -> ([Double], [Double]) {
        var found: LapackInt = 0
        var values = [Double](repeating: 0, count: d)
        var vectors = [Double](repeating: 0, count: d * k)  // row-major d×k: eigenvector j is column j
        var support = [LapackInt](repeating: 0, count: 2 * d)
        let info = LAPACKE_dsyevr(Int32(LAPACK_ROW_MAJOR), CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "I")),
                                  CChar(UInt8(ascii: "U")), LapackInt(d), &matrix, LapackInt(d), 0, 0,
                                  LapackInt(d - k + 1), LapackInt(d), 0, &found, &values, &vectors,
                                  LapackInt(k), &support)
        guard info == 0, found == k else {
            throw AnalysisError("LAPACK dsyevr failed (info \(info), \(found) of \(k) eigenvalues)")
        }
        // dsyevr returns ascending order: reverse, and transpose columns into rows.
        let order = (0..<k).reversed()
        let rows = order.flatMap { j in (0..<d).map { vectors[$0 * k + j] } }
        return (order.map { max(values[$0], 0) }, rows)
    }

    /// Components as float32 rows, each flipped so its largest-magnitude entry is positive.
    static func signFixed(_ rows: [Double], rows k: Int, columns d: Int) -> [Float] {
        (0..<k).flatMap { r -> [Float] in
            let row = rows[r * d..<(r + 1) * d]
            let largest = row.max { abs($0) < abs($1) } ?? 0
            return row.map { Float(largest < 0 ? -$0 : $0) }
        }
    }

    /// (points − mean) · componentsᵀ, n×k.
    static func project(_ points: PointMatrix, mean: [Double], components: [Float], count k: Int) -> PointMatrix {
        var out = [Float](repeating: 0, count: points.rows * k)
        var start = 0
        out.withUnsafeMutableBufferPointer { y in
            components.withUnsafeBufferPointer { w in
                forEachCenteredBlock(points, mean: mean) { block, rows in
                    Gemm.sgemm(.none, .transposed, m: rows, n: k, k: points.columns, a: block, b: w.baseAddress!,
                               c: y.baseAddress! + start * k)
                    start += rows
                }
            }
        }
        return try! PointMatrix(rows: points.rows, columns: k, values: out)
    }
}
