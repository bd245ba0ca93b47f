import CKernels

/// Matrix transposition flag for `Gemm.sgemm`.
public enum Transpose: Sendable {
    case none, transposed
    var c: ck_trans { self == .none ? CK_NO_TRANS : CK_TRANS }
}

/// Single-precision matrix multiply and the linear layer, row-major.
public enum Gemm {
    /// C = alpha * op(A) * op(B) + beta * C. op(A) is m×k, op(B) is k×n, C is m×n; `lda`, `ldb`, `ldc` are
    /// row strides (default: packed rows). beta == 0 ignores C's old contents.
    public static func sgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil, b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        let lda = lda ?? (transA == .none ? k : m), ldb = ldb ?? (transB == .none ? n : k), ldc = ldc ?? n
        let status = ck_sgemm(transA.c, transB.c, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda),
                              b, Int64(ldb), beta, c, Int64(ldc))
        precondition(status == 0, "sgemm: invalid sizes m=\(m) n=\(n) k=\(k) lda=\(lda) ldb=\(ldb) ldc=\(ldc)")
    }

    /// The FMA ceiling (`ck_fma_peak`): every thread runs `iterations` rounds of acc = acc · a + b on register
    /// accumulators of the active ISA. Returns the floating-point operations done by all threads (so GFLOP/s of the
    /// call is the arithmetic ceiling) and thread 0's accumulators, each summed over its vector lanes.
    public static func fmaPeak(iterations: Int, a: Float, b: Float) -> (flops: Double, accumulators: [Double]) {
        precondition(iterations >= 0, "fmaPeak: negative iteration count")
        var out = [Double](repeating: 0, count: Int(CK_FMA_PROBE_ACC))
        let flops = ck_fma_peak(&out, Int64(iterations), a, b)
        return (flops, out)
    }

    /// y (batch×out) = x (batch×in) · wᵀ + bias; w is out×in; bias (out) optional.
    public static func linearForward(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>?, batch: Int, in: Int, out: Int) {
        ck_linear_forward(y, x, w, bias, Int64(batch), Int64(`in`), Int64(out))
    }

    /// dx = dy · w, dw = dyᵀ · x, dbias = Σ_batch dy. Each output is optional and overwritten.
    public static func linearBackward(dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                                      dbias: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>,
                                      x: UnsafePointer<Float>, w: UnsafePointer<Float>, batch: Int, in: Int, out: Int) {
        ck_linear_backward(dx, dw, dbias, dy, x, w, Int64(batch), Int64(`in`), Int64(out))
    }

    /// out[j] = Σ_i x[i, j] for x rows×cols.
    public static func sumRows(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, cols: Int) {
        ck_sum_rows(out, x, Int64(rows), Int64(cols))
    }
}
