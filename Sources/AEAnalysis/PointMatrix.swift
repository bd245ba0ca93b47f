/// PCA, t-SNE and embedding metrics over latent codes saved in run files (or any HDF5 / .npy array).
public enum AEAnalysis {}

/// A failure of an analysis step, with a message meant for the command line.
public struct AnalysisError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `rows` points of `columns` coordinates, row-major float32 (the layout of `/latents/<split>/z`).
public struct PointMatrix: Sendable, Equatable {
    public private(set) var values: [Float]
    public let rows: Int
    public let columns: Int

    /// Throws unless `values` holds exactly rows × columns finite numbers.
    public init(rows: Int, columns: Int, values: [Float]) throws {
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw AnalysisError("\(values.count) values cannot form a \(rows)×\(columns) matrix")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw AnalysisError("row \(bad / max(columns, 1)) holds a non-finite value (\(values[bad]))")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The rows at `indices`, in that order.
    public func selecting(rows indices: [Int]) -> PointMatrix {
        var out: [Float] = []
        out.reserveCapacity(indices.count * columns)
        for i in indices { out += values[i * columns..<(i + 1) * columns] }
        return try! PointMatrix(rows: indices.count, columns: columns, values: out)
    }
}
