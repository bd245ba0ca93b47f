// Single-precision matrix multiply and the linear (fully connected) layer.
#ifndef CK_GEMM_H
#define CK_GEMM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ck_trans { CK_NO_TRANS = 0, CK_TRANS = 1 } ck_trans;

/// C = alpha * op(A) * op(B) + beta * C, all row-major.
///   op(A) is (m, k): A is (m, k) with row stride lda, or (k, m) when transa == CK_TRANS.
///   op(B) is (k, n): B is (k, n) with row stride ldb, or (n, k) when transb == CK_TRANS.
///   C is (m, n) with row stride ldc. beta == 0 ignores C's old contents (NaN there does not leak in).
/// Returns 0, or -1 for negative sizes or strides smaller than a row.
/// Summation order over k does not depend on the thread count, so results are bitwise identical for any
/// number of threads on one ISA.
int ck_sgemm(ck_trans transa, ck_trans transb, int64_t m, int64_t n, int64_t k,
             float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
             float beta, float *c, int64_t ldc);

/// Linear layer forward: y = x * w^T + bias.
///   y (batch, out) output; x (batch, in); w (out, in) as in PyTorch; bias (out) or NULL.
/// The arithmetic ceiling GEMM rates are read against (`ae bench kernels --family peak`): every thread runs
/// `iterations` rounds of acc = acc * a + b (fused) on CK_FMA_PROBE_ACC independent vector accumulators of the
/// active ISA, which hide the FMA latency on every target, with no memory traffic. out[j] receives thread 0's
/// accumulator j summed over its vector lanes in double (every lane's work is needed; each lane holds the same
/// scalar recurrence started at 1 + j / 100). Returns the floating-point operations done by all threads.
enum { CK_FMA_PROBE_ACC = 12 };
double ck_fma_peak(double *out, int64_t iterations, float a, float b);

void ck_linear_forward(float *y, const float *x, const float *w, const float *bias,
                       int64_t batch, int64_t in, int64_t out);

/// Linear layer backward; each output may be NULL to skip it; all are overwritten (not accumulated).
///   dx (batch, in) = dy * w;  dw (out, in) = dy^T * x;  dbias (out) = sum over the batch of dy.
///   dy (batch, out); x (batch, in); w (out, in).
void ck_linear_backward(float *dx, float *dw, float *dbias,
                        const float *dy, const float *x, const float *w,
                        int64_t batch, int64_t in, int64_t out);

/// Column sums: out[j] = sum_i x[i*cols + j] for x (rows, cols). Fixed summation order (row by row).
void ck_sum_rows(float *out, const float *x, int64_t rows, int64_t cols);

#ifdef __cplusplus
}
#endif
#endif
