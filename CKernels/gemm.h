// GEMM internals shared by gemm.c (loop nest, packing, threading) and gemm_simd.h (micro-kernels).
//
// Structure after BLIS, transposed for row-major C with the vector dimension along n:
//   micro-kernel  C[MR x NR] (+)= Ap[MR x kc] * Bp[kc x NR], accumulators in registers; Ap is a packed
//                 micro-panel (per k: MR values of op(A), broadcast), Bp a packed micro-panel (per k: NR
//                 contiguous values of op(B), loaded as vectors).
//   packing       op(A)[mc x kc] -> MR-row micro-panels, op(B)[kc x nc] -> NR-column micro-panels, zero-padded.
//   loop nest     for ic (MC) / pc (KC) / jc (NC) / ir (MR) / jr (NR): Ap's micro-panel stays in L1 while
//                 Bp's micro-panels stream from L2.
#ifndef CK_GEMM_INTERNAL_H
#define CK_GEMM_INTERNAL_H
#include "ck_internal.h"
#include "include/ck_gemm.h"

/// c[MR x NR] (row stride ldc) = alpha * ap * bp + beta * c, over kc steps; beta == 0 ignores c.
typedef void (*ck_gemm_micro_fn)(int64_t kc, const float *CK_RESTRICT ap, const float *CK_RESTRICT bp,
                                 float *CK_RESTRICT c, int64_t ldc, float alpha, float beta);

/// Packs one full NR-column micro-panel of a transposed B: dst[p*NR + j] = src[j*ld + p] for j < NR, p < rows
/// (an in-register transpose; NULL where the ISA has none and the scalar loop in gemm.c does it).
typedef void (*ck_gemm_pack_bt_fn)(float *CK_RESTRICT dst, const float *CK_RESTRICT src, int64_t ld, int64_t rows);

/// Packs one full MR-row micro-panel of a non-transposed A: dst[p*MR + i] = src[i*ld + p] for i < MR, p < cols
/// (an in-register transpose; NULL where the ISA has none).
typedef void (*ck_gemm_pack_a_fn)(float *CK_RESTRICT dst, const float *CK_RESTRICT src, int64_t ld, int64_t cols);

/// Packs full NR-column micro-panels of a non-transposed B row by row: for each row p < rows and panel
/// q < panels, dst[q*rows*NR + p*NR + j] = src[p*ld + offset[q] + j] for j < NR.
typedef void (*ck_gemm_pack_b_fn)(float *CK_RESTRICT dst, const float *CK_RESTRICT src, int64_t ld, int64_t rows,
                                  const int64_t *offset, int64_t panels);

/// The register tile and cache blocking of one ISA's micro-kernel.
typedef struct ck_gemm_config {
    int mr, nr;            // register tile
    int64_t kc, mc, nc;    // cache blocks: Ap block is mc x kc (L3), Bp block kc x nc (L2), micro-panel in L1
    ck_gemm_micro_fn micro;
    ck_gemm_pack_bt_fn pack_bt;  // may be NULL
    ck_gemm_pack_b_fn pack_b;    // may be NULL
    ck_gemm_pack_a_fn pack_a;    // may be NULL
} ck_gemm_config;

void ck_gemm_config_ref(ck_gemm_config *cfg);

/// An operand that is never stored: its packing function writes the requested block of op(X), rows
/// [r0, r0+rows) x columns [c0, c0+cols), straight into micro-panels of width `panel`: NR-column panels when
/// it is B (the layout pack_b produces, zero past `cols`), MR-row panels when it is A (pack_a's layout, zero
/// past `rows`). The convolution's lowered matrix is one (conv_implicit.c, conv_nhwc.c): packing from the
/// images saves writing kh*kw times the input and reading it back.
typedef struct ck_gemm_implicit ck_gemm_implicit;
struct ck_gemm_implicit {
    void (*pack)(const ck_gemm_implicit *self, float *CK_RESTRICT dst, int64_t r0, int64_t rows, int64_t c0,
                 int64_t cols, int panel);
};

/// One GEMM operand (or C) as the loop nest reads it. Element (r, c) of op(X) is x[r*ld + col(c)], or
/// x[c*ld + r] when `trans`. col(c) = c for a plain matrix; with seg > 0, columns come in runs of `seg`
/// contiguous floats, run i starting at i*seg_stride: an NCHW tensor (batch, ch, plane) is the (ch,
/// batch*plane) matrix {ld = plane, seg = plane, seg_stride = ch*plane}. Segmented views must not be
/// transposed (the convolution needs none).
typedef struct ck_gemm_view {
    const float *x;
    int64_t ld;
    int trans;
    int64_t seg, seg_stride;
    const ck_gemm_implicit *implicit;  // when set, packs the operand instead of x/ld/trans/seg
} ck_gemm_view;

/// ck_sgemm on views (C is written through c.x). Same threading and determinism as ck_sgemm; sizes are
/// the caller's to check. Returns 0, or -1 for negative sizes, a transposed C or out of memory.
int ck_sgemm_view(int64_t m, int64_t n, int64_t k, float alpha, ck_gemm_view a, ck_gemm_view b, float beta,
                  ck_gemm_view c);
/// The register tile, blocking and kernels of the active ISA.
void ck_gemm_active_config(ck_gemm_config *cfg);
/// The same product on the calling thread alone (for callers that split the work among threads themselves).
int ck_sgemm_view_serial(int64_t m, int64_t n, int64_t k, float alpha, ck_gemm_view a, ck_gemm_view b, float beta,
                         ck_gemm_view c);
CK_ISA_PROTOS(void, ck_gemm_config, (ck_gemm_config *cfg))
/// One thread's share of ck_fma_peak: writes CK_FMA_PROBE_ACC lane sums to out, returns the vector width in floats.
int ck_fma_probe_ref(double *out, int64_t iterations, float a, float b);
CK_ISA_PROTOS(int, ck_fma_probe, (double *out, int64_t iterations, float a, float b))

/// The calling thread's buffer `slot` with room for `floats`, 64-byte aligned, kept for the thread's life (grown,
/// never shrunk; contents unspecified); NULL if out of memory. Slots 0 and 1 belong to the GEMM.
enum { CK_BUFFER_CONV = 2 };
float *ck_thread_buffer(int slot, size_t floats);

#endif
