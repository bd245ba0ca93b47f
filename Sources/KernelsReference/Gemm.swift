import RealModule

extension Reference {
    /// What one vector lane of `Gemm.fmaPeak` holds: accumulator j starts at 1 + j / 100 and takes `iterations` fused
    /// steps acc = acc · a + b (one rounding each, as the C kernel's FMA).
    public static func fmaProbe(accumulators: Int, iterations: Int, a: Float, b: Float) -> [Float] {
        (0..<accumulators).map { j in
            var acc = 1 + Float(j) / 100
            for _ in 0..<iterations { acc = b.addingProduct(acc, a) }
            return acc
        }
    }

    /// C = alpha * op(A) * op(B) + beta * C by the definition: for each (i, j) a dot product over k.
    /// Row-major with packed rows; `transA`/`transB` mean A is k×m / B is n×k.
    @inlinable public static func gemm<T: Real>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T, a: [T], b: [T],
                                     beta: T, c: [T]) -> [T] {
        var out = c
        gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: &out)
        return out
    }

    /// In-place form of `gemm` (what the profiler times).
    @inlinable public static func gemm<T: Real>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T, a: [T], b: [T],
                                     beta: T, c: inout [T]) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc: T = 0
                for p in 0..<k {
                    acc += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j])
                }
                c[i * n + j] = alpha * acc + (beta == 0 ? 0 : beta * c[i * n + j])
            }
        }
    }

    /// y = x · wᵀ + bias; x batch×in, w out×in.
    @inlinable public static func linearForward<T: Real>(x: [T], w: [T], bias: [T]?, batch: Int, in: Int, out: Int) -> [T] {
        let c = bias.map { b in (0..<batch).flatMap { _ in b } } ?? [T](repeating: 0, count: batch * out)
        return gemm(transA: false, transB: true, m: batch, n: out, k: `in`, alpha: 1, a: x, b: w,
                    beta: bias == nil ? 0 : 1, c: c)
    }

    /// (dx, dw, dbias) of the linear layer for upstream gradient dy (batch×out).
    @inlinable public static func linearBackward<T: Real>(dy: [T], x: [T], w: [T], batch: Int, in: Int, out: Int)
        -> (dx: [T], dw: [T], dbias: [T]) {
        let dx = gemm(transA: false, transB: false, m: batch, n: `in`, k: out, alpha: 1, a: dy, b: w, beta: 0,
                      c: [T](repeating: 0, count: batch * `in`))
        let dw = gemm(transA: true, transB: false, m: out, n: `in`, k: batch, alpha: 1, a: dy, b: x, beta: 0,
                      c: [T](repeating: 0, count: out * `in`))
        let dbias = (0..<out).map { j in (0..<batch).reduce(T.zero) { $0 + dy[$1 * out + j] } }
        return (dx, dw, dbias)
    }
}
