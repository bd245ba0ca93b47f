import CKernels
import Kernels

/// The k nearest neighbours of every point: indices and squared Euclidean distances, n×k row-major, each
/// row ascending (ties: lower index first), the point itself excluded.
public struct NeighborGraph: Sendable, Equatable {
    public let indices: [Int32]
    public let distances: [Float]
    public let count: Int
    public let k: Int

    /// The neighbour indices of point i.
    public func neighbors(of i: Int) -> ArraySlice<Int32> { indices[i * k..<(i + 1) * k] }
}

/// Exact nearest neighbours.
public enum NearestNeighbors {
    /// Exact kNN of high-dimensional points: distances from SGEMM dot products (|x_i|² + |x_j|² − 2 x_i·x_j)
    /// on tiles of 512 × 2048 points, small enough (4 MB) to be screened while still in cache.
    public static func exact(_ points: PointMatrix, k: Int) throws -> NeighborGraph {
        let n = points.rows, d = points.columns
        guard k >= 1, k < n else { throw AnalysisError("\(k) nearest neighbours need more than \(k) points, got \(n)") }
        let sqnorms = (0..<n).map { i in points.values[i * d..<(i + 1) * d].reduce(Float(0)) { $0 + $1 * $1 } }
        let tileRows = min(n, 512), tileColumns = min(n, 2048)
        var dots = [Float](repeating: 0, count: tileRows * tileColumns)
        var indices = [Int32](repeating: 0, count: n * k)
        var distances = [Float](repeating: 0, count: n * k)
        points.values.withUnsafeBufferPointer { x in
            for row0 in stride(from: 0, to: n, by: tileRows) {
                let rows = min(tileRows, n - row0)
                for col0 in stride(from: 0, to: n, by: tileColumns) {  // ascending: ties keep the lower index
                    let cols = min(tileColumns, n - col0)
                    dots.withUnsafeMutableBufferPointer { c in
                        Gemm.sgemm(.none, .transposed, m: rows, n: cols, k: d, a: x.baseAddress! + row0 * d,
                                   b: x.baseAddress! + col0 * d, c: c.baseAddress!)
                    }
                    indices.withUnsafeMutableBufferPointer { idx in
                        distances.withUnsafeMutableBufferPointer { dist in
                            ck_tsne_knn_block(idx.baseAddress! + row0 * k, dist.baseAddress! + row0 * k, dots, sqnorms,
                                              Int64(row0), Int64(rows), Int64(col0), Int64(cols), Int64(k))
                        }
                    }
                }
            }
        }
        return NeighborGraph(indices: indices, distances: distances, count: n, k: k)
    }

    /// Exact kNN of a low-dimensional embedding (n×dim, double): by a grid search in 2-D (about O(n k)),
    /// by direct distances, O(n² dim), otherwise. Both rank by distance, then index.
    public static func exact(embedding: [Double], dimension: Int, k: Int) throws -> NeighborGraph {
        let n = embedding.count / dimension
        guard k >= 1, k < n else { throw AnalysisError("\(k) nearest neighbours need more than \(k) points, got \(n)") }
        var indices = [Int32](repeating: 0, count: n * k)
        var distances = [Float](repeating: 0, count: n * k)
        if dimension == 2 {
            var workspace = [Int32](repeating: 0, count: Int(ck_tsne_knn_grid_workspace(Int64(n))))
            ck_tsne_knn_grid(&indices, &distances, &workspace, embedding, Int64(n), Int64(k))
        } else {
            ck_tsne_knn_direct(&indices, &distances, embedding, Int64(n), Int64(dimension), Int64(k))
        }
        return NeighborGraph(indices: indices, distances: distances, count: n, k: k)
    }

    /// kNN preservation: the mean over points of |N_k(input) ∩ N_k(embedding)| / k, where N_k are the k
    /// nearest neighbours (the first k of each graph's rows are used). 1 means every neighbourhood is kept.
    public static func preservation(input: NeighborGraph, embedding: NeighborGraph, k: Int = 10) -> Double {
        precondition(input.count == embedding.count && k <= input.k && k <= embedding.k, "kNN preservation: graphs do not match")
        guard input.count > 0 else { return 1 }
        var kept = 0
        for i in 0..<input.count {
            let mine = Set(input.neighbors(of: i).prefix(k))
            kept += embedding.neighbors(of: i).prefix(k).filter(mine.contains).count
        }
        return Double(kept) / Double(input.count * k)
    }
}
