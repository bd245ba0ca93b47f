import CKernels
import Foundation

/// How the repulsive forces of the t-SNE gradient are computed.
public enum TSNEMethod: String, Sendable, CaseIterable, Codable {
    /// All pairs, O(n²) per iteration: the definition, for up to a few thousand points.
    case exact
    /// Barnes–Hut quadtree, O(n log n): far cells are replaced by their centre of mass.
    case bh
    /// FFT-accelerated interpolation (FIt-SNE), O(n + b² log b) for b boxes per side (b ≥ 50, about the
    /// embedding's extent): kernel sums interpolated on a grid and convolved by FFT.
    case fft
}

/// The t-SNE objective KL(P ‖ Q) for fixed affinities P and a 2-D embedding y (n×2, row-major), with
/// w_ij = 1 / (1 + |y_i − y_j|²), Z = Σ_{i≠j} w_ij, q_ij = w_ij / Z:
///
///     ∂KL/∂y_i = 4 (α Σ_j p_ij w_ij (y_i − y_j) − Σ_j w_ij² (y_i − y_j) / Z)
///
/// where α is the exaggeration (1 for the true gradient). Barnes–Hut and FFT interpolation estimate the
/// second sum and Z.
/// Holds its scratch buffers, so one instance serves a whole optimisation (not thread-safe).
public final class TSNEObjective {
    public let affinities: Affinities
    public let method: TSNEMethod
    /// Barnes–Hut accuracy: a cell of side s at distance r is summarised when s / r < theta.
    public let theta: Double

    private var attractive: [Double]
    private var repulsive: [Double]
    private var perPoint: [Double]
    private var tree: [ck_tsne_node] = []
    private var fftWorkspace: [Double] = []
    private var fftIndices: [Int32] = []
    /// Fewest boxes per side of the FFT grid (openTSNE's default, 50); tests lower it to compare with a
    /// direct evaluation of the same interpolation.
    public var minimumBoxes = 50

    public var count: Int { affinities.count }

    public init(affinities: Affinities, method: TSNEMethod, theta: Double = 0.5) {
        self.affinities = affinities
        self.method = method
        self.theta = theta
        attractive = [Double](repeating: 0, count: 2 * affinities.count)
        repulsive = attractive
        perPoint = [Double](repeating: 0, count: affinities.count)
    }

    /// Writes ∂KL/∂y (with P scaled by `exaggeration`) into `gradient` (n×2) and returns Z (exact or
    /// estimated, as the method computes it).
    @discardableResult
    public func gradient(at y: [Double], exaggeration: Double = 1, into gradient: inout [Double]) -> Double {
        precondition(y.count == 2 * count && gradient.count == y.count, "t-SNE gradient: embedding must be \(count)×2")
        affinities.rowPtr.withUnsafeBufferPointer { rowPtr in
            ck_tsne_attractive(&attractive, y, rowPtr.baseAddress, affinities.col, affinities.val, Int64(count))
        }
        let z = repulsiveForces(at: y)
        let a = 4 * exaggeration, r = 4 / z
        for i in 0..<2 * count { gradient[i] = a * attractive[i] - r * repulsive[i] }
        return z
    }

    /// KL(P ‖ Q) at y; Z from the method (so Barnes–Hut gives an estimate).
    public func divergence(at y: [Double]) -> Double {
        divergence(at: y, z: repulsiveForces(at: y))
    }

    /// KL(P ‖ Q) at y for a known Z.
    public func divergence(at y: [Double], z: Double) -> Double {
        affinities.rowPtr.withUnsafeBufferPointer { rowPtr in
            ck_tsne_kl(&perPoint, y, rowPtr.baseAddress, affinities.col, affinities.val, Int64(count), z)
        }
    }

    /// Fills `repulsive` and returns Z.
    private func repulsiveForces(at y: [Double]) -> Double {
        switch method {
        case .exact:
            return ck_tsne_repulsive_exact(&repulsive, &perPoint, y, Int64(count))
        case .bh:
            buildTree(y)
            return ck_tsne_repulsive_bh(&repulsive, &perPoint, tree, y, Int64(count), theta)
        case .fft:
            let boxes = ck_tsne_fft_boxes(y, Int64(count), Int64(minimumBoxes))
            var indices: Int64 = 0
            let doubles = Int(ck_tsne_fft_workspace(Int64(count), boxes, &indices))
            // Grow only: the grid follows the embedding's extent, which mostly grows during a run.
            if fftWorkspace.count < doubles { fftWorkspace = [Double](repeating: 0, count: doubles) }
            if fftIndices.count < Int(indices) { fftIndices = [Int32](repeating: 0, count: Int(indices)) }
            return ck_tsne_repulsive_fft(&repulsive, &perPoint, &fftWorkspace, &fftIndices, y, Int64(count), boxes)
        }
    }

    /// Builds the quadtree of y, growing the node buffer until it fits.
    private func buildTree(_ y: [Double]) {
        if tree.isEmpty { tree = [ck_tsne_node](repeating: ck_tsne_node(), count: 8 * count + 64) }
        while ck_tsne_bh_build(&tree, Int64(tree.count), y, Int64(count)) < 0 {
            tree = [ck_tsne_node](repeating: ck_tsne_node(), count: 2 * tree.count)
        }
    }
}
