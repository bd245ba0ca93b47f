import CKernels
import Foundation

/// The symmetric input affinities P of t-SNE as a sparse matrix in CSR form: row i holds the nonzero
/// p_ij at columns `col[rowPtr[i] ..< rowPtr[i + 1]]`, ascending. Entries sum to 1 over the whole matrix.
public struct Affinities: Sendable, Equatable {
    public let rowPtr: [Int64]
    public let col: [Int32]
    public let val: [Double]

    public var count: Int { rowPtr.count - 1 }
    public var nonzeros: Int { col.count }

    public init(rowPtr: [Int64], col: [Int32], val: [Double]) {
        precondition(rowPtr.count >= 1 && Int(rowPtr.last!) == col.count && col.count == val.count, "malformed CSR matrix")
        self.rowPtr = rowPtr
        self.col = col
        self.val = val
    }

    /// Σ p_ij log p_ij, the constant part of KL(P || Q).
    public var negativeEntropy: Double { val.reduce(0.0) { $0 + ($1 > 0 ? $1 * log($1) : 0) } }

    /// Perplexity-calibrated Gaussian affinities on a kNN graph (van der Maaten 2014): per point i, the
    /// precision β_i is found by bisection so that p_{j|i} ∝ exp(−β_i d_ij²) over its k neighbours has
    /// perplexity `perplexity` (entropy tolerance 1e-5 nats, 200 steps at most); then
    /// P = (P_cond + P_condᵀ) / 2n. Returns P and how many points missed the tolerance.
    public static func perplexityBased(_ graph: NeighborGraph, perplexity: Double) throws -> (Affinities, unconverged: Int) {
        guard perplexity >= 1, Double(graph.k) > perplexity else {
            throw AnalysisError("perplexity \(perplexity) needs more than \(perplexity) neighbours per point (have \(graph.k)); lower --perplexity or add points")
        }
        let (conditional, _, missed) = calibrate(graph, perplexity: perplexity)
        return (symmetrized(conditional, graph: graph), missed)
    }

    /// The conditional distributions p_{j|i} (n×k, on the graph's edges), the precisions β_i and the number
    /// of points that missed the entropy tolerance; see `perplexityBased`.
    public static func calibrate(_ graph: NeighborGraph, perplexity: Double) -> (conditional: [Double], precisions: [Double], unconverged: Int) {
        var conditional = [Double](repeating: 0, count: graph.count * graph.k)
        var precisions = [Double](repeating: 0, count: graph.count)
        let missed = ck_tsne_calibrate(&conditional, &precisions, graph.distances, Int64(graph.count), Int64(graph.k),
                                       perplexity, 1e-5, 200)
        return (conditional, precisions, Int(missed))
    }

    /// (P + Pᵀ) / 2n for the n×k row-stochastic P on the graph's edges, merged into CSR.
    static func symmetrized(_ p: [Double], graph: NeighborGraph) -> Affinities {
        let n = graph.count, k = graph.k
        // Each edge (i, j, v) contributes v to row i and to row j; counting sort the 2nk contributions by row.
        var rowStart = [Int](repeating: 0, count: n + 1)
        for i in 0..<n {
            rowStart[i + 1] += k
            for j in graph.neighbors(of: i) { rowStart[Int(j) + 1] += 1 }
        }
        for i in 0..<n { rowStart[i + 1] += rowStart[i] }
        var fill = rowStart
        var entries = [(col: Int32, value: Double)](repeating: (0, 0), count: 2 * n * k)
        for i in 0..<n {
            for m in 0..<k {
                let j = Int(graph.indices[i * k + m]), v = p[i * k + m]
                entries[fill[i]] = (Int32(j), v)
                fill[i] += 1
                entries[fill[j]] = (Int32(i), v)
                fill[j] += 1
            }
        }
        let scale = 1 / (2 * Double(n))
        var rowPtr: [Int64] = [0], col: [Int32] = [], val: [Double] = []
        col.reserveCapacity(2 * n * k)
        val.reserveCapacity(2 * n * k)
        for i in 0..<n {
            let row = entries[rowStart[i]..<rowStart[i + 1]].sorted { $0.col < $1.col }
            for e in row {
                if let last = col.last, col.count > Int(rowPtr[i]), last == e.col {
                    val[val.count - 1] += e.value * scale
                } else {
                    col.append(e.col)
                    val.append(e.value * scale)
                }
            }
            rowPtr.append(Int64(col.count))
        }
        return Affinities(rowPtr: rowPtr, col: col, val: val)
    }
}
