import RealModule

/// Twins of the t-SNE kernels in ck_tsne.h, written from the definitions (no trees, no blocking), in
/// Double. Embeddings are 2-D, row-major [x0, y0, x1, y1, ...]; P is CSR (rowPtr, col, val).
extension Reference {
    /// The k nearest neighbours of every point by sorting all squared distances (self excluded; ties: lower
    /// index first). points is n×dim.
    public static func tsneNearestNeighbors(_ points: [Double], n: Int, dim: Int, k: Int) -> (idx: [Int32], dist: [Double]) {
        var idx: [Int32] = [], dist: [Double] = []
        for i in 0..<n {
            var candidates: [(index: Int, distance: Double)] = []
            for j in 0..<n where j != i {
                var d2 = 0.0
                for c in 0..<dim {
                    let d = points[i * dim + c] - points[j * dim + c]
                    d2 += d * d
                }
                candidates.append((j, d2))
            }
            candidates.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.index < $1.index }
            idx += candidates.prefix(k).map { Int32($0.index) }
            dist += candidates.prefix(k).map { $0.distance }
        }
        return (idx, dist)
    }

    /// Entropy (nats) of p_j = exp(-beta d_j) / Σ exp(-beta d_j), and p.
    public static func tsneConditional(_ d: [Double], beta: Double) -> (p: [Double], entropy: Double) {
        let m = d.min() ?? 0
        let e = d.map { Double.exp(-beta * ($0 - m)) }
        let s = e.reduce(0, +)
        let p = e.map { $0 / s }
        return (p, -p.reduce(0.0) { $0 + ($1 > 0 ? $1 * Double.log($1) : 0) })
    }

    /// attr_i = Σ_j p_ij w_ij (y_i - y_j)
    public static func tsneAttractive(_ y: [Double], rowPtr: [Int64], col: [Int32], val: [Double]) -> [Double] {
        let n = rowPtr.count - 1
        var attr = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            for e in Int(rowPtr[i])..<Int(rowPtr[i + 1]) {
                let j = Int(col[e])
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                let w = 1 / (1 + dx * dx + dy * dy)
                attr[2 * i] += val[e] * w * dx
                attr[2 * i + 1] += val[e] * w * dy
            }
        }
        return attr
    }

    /// rep_i = Σ_{j≠i} w_ij² (y_i - y_j), and Z = Σ_{i≠j} w_ij.
    public static func tsneRepulsive(_ y: [Double]) -> (rep: [Double], z: Double) {
        let n = y.count / 2
        var rep = [Double](repeating: 0, count: 2 * n)
        var z = 0.0
        for i in 0..<n {
            for j in 0..<n where j != i {
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                let w = 1 / (1 + dx * dx + dy * dy)
                z += w
                rep[2 * i] += w * w * dx
                rep[2 * i + 1] += w * w * dy
            }
        }
        return (rep, z)
    }

    /// KL(P || Q) = Σ p_ij log(p_ij / q_ij), q_ij = w_ij / Z over all pairs, from a dense n×n P.
    public static func tsneKL(_ y: [Double], denseP p: [Double]) -> Double {
        let n = y.count / 2
        let z = tsneRepulsive(y).z
        var kl = 0.0
        for i in 0..<n {
            for j in 0..<n where j != i && p[i * n + j] > 0 {
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                kl += p[i * n + j] * Double.log(p[i * n + j] * (1 + dx * dx + dy * dy) * z)
            }
        }
        return kl
    }

    /// One gradient-descent step with momentum and gains, as ck_tsne_gd_step.
    public static func tsneStep(y: inout [Double], update: inout [Double], gains: inout [Double], grad: [Double],
                                learningRate: Double, momentum: Double, minGain: Double) {
        for i in y.indices {
            gains[i] = max(update[i] * grad[i] < 0 ? gains[i] + 0.2 : gains[i] * 0.8, minGain)
            update[i] = momentum * update[i] - learningRate * gains[i] * grad[i]
            y[i] += update[i]
        }
    }
}

/// Twins of the FFT interpolation kernels (ck_tsne_fft_rows, ck_tsne_repulsive_fft): a naive DFT, and the
/// same grid interpolation with the grid convolution summed directly (O(nodes²)) instead of by FFT.
extension Reference {
    /// X_k = Σ_j x_j exp(∓2πi jk/m) (minus forward, plus inverse; no scaling), per sequence.
    public static func dft(re: [Double], im: [Double], inverse: Bool) -> (re: [Double], im: [Double]) {
        let m = re.count, sign = inverse ? 1.0 : -1.0
        var outRe = [Double](repeating: 0, count: m), outIm = outRe
        for k in 0..<m {
            for j in 0..<m {
                let angle = sign * 2 * Double.pi * Double((j * k) % m) / Double(m)
                outRe[k] += re[j] * Double.cos(angle) - im[j] * Double.sin(angle)
                outIm[k] += re[j] * Double.sin(angle) + im[j] * Double.cos(angle)
            }
        }
        return (outRe, outIm)
    }

    /// Repulsive forces and Z by FIt-SNE's interpolation on `boxes`² boxes over the bounding square of y:
    /// charges (1, x, y, |y|²) spread to 3×3 Lagrange nodes per box, node potentials Σ K(node − node')
    /// charge(node') with K(d) = 1 / (1 + |d|²)², interpolated back. rep_i and Z as in tsneRepulsive.
    public static func tsneRepulsiveInterpolated(_ y: [Double], boxes: Int) -> (rep: [Double], rowZ: [Double], z: Double) {
        let n = y.count / 2, nodes = 3 * boxes
        let lo = y.min()!, side = y.max()! - lo, centre = lo + side / 2
        let width = max(side, 1e-12) / Double(boxes), h = width / 3
        /// Box and Lagrange weights of the nodes (q + 1/2)/3 for one coordinate.
        func weights(_ c: Double) -> (box: Int, w: [Double]) {
            let u = (c - lo) / width, box = min(Int(u), boxes - 1), t = u - Double(box)
            let nodesAt = (0..<3).map { (Double($0) + 0.5) / 3 }
            let w = (0..<3).map { q in
                (0..<3).filter { $0 != q }.reduce(1.0) { $0 * (t - nodesAt[$1]) / (nodesAt[q] - nodesAt[$1]) }
            }
            return (box, w)
        }
        var charge = [[Double]](repeating: [Double](repeating: 0, count: nodes * nodes), count: 4)
        let located = (0..<n).map { (weights(y[2 * $0]), weights(y[2 * $0 + 1])) }
        for i in 0..<n {
            let x = y[2 * i] - centre, yy = y[2 * i + 1] - centre, values = [1, x, yy, x * x + yy * yy]
            let (wx, wy) = located[i]
            for a in 0..<3 {
                for b in 0..<3 {
                    let q = (3 * wx.box + a) * nodes + 3 * wy.box + b
                    for t in 0..<4 { charge[t][q] += wx.w[a] * wy.w[b] * values[t] }
                }
            }
        }
        var potential = charge.map { $0.map { _ in 0.0 } }
        for p in 0..<nodes * nodes {
            for q in 0..<nodes * nodes {
                let du = Double(p / nodes - q / nodes) * h, dv = Double(p % nodes - q % nodes) * h
                let k = 1 / ((1 + du * du + dv * dv) * (1 + du * du + dv * dv))
                for t in 0..<4 { potential[t][p] += k * charge[t][q] }
            }
        }
        var rep = [Double](repeating: 0, count: 2 * n), rowZ = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let x = y[2 * i] - centre, yy = y[2 * i + 1] - centre
            let (wx, wy) = located[i]
            var phi = [0.0, 0.0, 0.0, 0.0]
            for a in 0..<3 {
                for b in 0..<3 {
                    let q = (3 * wx.box + a) * nodes + 3 * wy.box + b
                    for t in 0..<4 { phi[t] += wx.w[a] * wy.w[b] * potential[t][q] }
                }
            }
            rep[2 * i] = x * phi[0] - phi[1]
            rep[2 * i + 1] = yy * phi[0] - phi[2]
            rowZ[i] = (1 + x * x + yy * yy) * phi[0] - 2 * (x * phi[1] + yy * phi[2]) + phi[3] - 1
        }
        return (rep, rowZ, rowZ.reduce(0, +))
    }
}
