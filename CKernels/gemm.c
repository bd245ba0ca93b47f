// GEMM and the linear layer: packing, the cache-blocked loop nest and its threading. The micro-kernels are
// in gemm_simd.h (one per ISA) and, for the scalar path, below.
#include "gemm.h"
#include "elementwise.h"
#include "include/ck_gemm.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// MARK: scalar micro-kernel (reference ISA): 4 x 8 tile

enum { REF_MR = 4, REF_NR = 8 };

static void gemm_micro_ref(int64_t kc, const float *CK_RESTRICT ap, const float *CK_RESTRICT bp,
                           float *CK_RESTRICT c, int64_t ldc, float alpha, float beta) {
    float acc[REF_MR][REF_NR] = {{0}};
    for (int64_t p = 0; p < kc; p++, ap += REF_MR, bp += REF_NR)
        for (int i = 0; i < REF_MR; i++)
            for (int j = 0; j < REF_NR; j++) acc[i][j] += ap[i] * bp[j];
    for (int i = 0; i < REF_MR; i++)
        for (int j = 0; j < REF_NR; j++)
            c[i * ldc + j] = alpha * acc[i][j] + (beta == 0.0f ? 0.0f : beta * c[i * ldc + j]);
}

void ck_gemm_config_ref(ck_gemm_config *cfg) {
    *cfg = (ck_gemm_config){.mr = REF_MR, .nr = REF_NR, .kc = 256, .mc = 512, .nc = 512, .micro = gemm_micro_ref,
                            .pack_bt = NULL, .pack_b = NULL};
}

// MARK: per-thread packing buffers
//
// Sizes are bounded by the block sizes, so each thread allocates at most once (the first call at a given
// ISA); nothing is allocated in steady state. Freed when the thread exits. Slots 0 and 1 are the GEMM's
// packed A and B; CK_BUFFER_CONV is the Winograd convolution's scratch (conv_winograd.c).

static pthread_key_t buffer_key;
static pthread_once_t buffer_key_once = PTHREAD_ONCE_INIT;

typedef struct { float *data; size_t capacity; } thread_buffer;

enum { THREAD_BUFFER_SLOTS = CK_BUFFER_CONV + 1 };

static void free_thread_buffers(void *p) {
    thread_buffer *b = p;
    for (int slot = 0; slot < THREAD_BUFFER_SLOTS; slot++) free(b[slot].data);
    free(b);
}
static void make_buffer_key(void) { pthread_key_create(&buffer_key, free_thread_buffers); }

float *ck_thread_buffer(int slot, size_t floats) {
    pthread_once(&buffer_key_once, make_buffer_key);
    thread_buffer *b = pthread_getspecific(buffer_key);
    if (!b) {
        b = calloc(THREAD_BUFFER_SLOTS, sizeof *b);
        if (!b) return NULL;
        pthread_setspecific(buffer_key, b);
    }
    if (b[slot].capacity < floats) {
        free(b[slot].data);
        const size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
        b[slot].data = aligned_alloc(64, bytes);
        b[slot].capacity = b[slot].data ? floats : 0;
    }
    return b[slot].data;
}

// MARK: packing
//
// Operands are ck_gemm_view (gemm.h): a plain row-major matrix, or a "segmented" one whose columns come in
// runs of `seg` contiguous floats `seg_stride` apart (an NCHW tensor read as (channels, batch*plane)). The
// packing and the C stores walk such columns run by run, so the convolution never reorders its tensors.

/// Offset of column j of a view from the start of its row.
static inline int64_t view_col(const ck_gemm_view *v, int64_t j) {
    return v->seg ? (j / v->seg) * v->seg_stride + j % v->seg : j;
}

/// Length of the contiguous run of columns starting at column j, capped at `limit`.
static inline int64_t view_run(const ck_gemm_view *v, int64_t j, int64_t limit) {
    return v->seg ? CK_MIN(limit, v->seg - j % v->seg) : limit;
}

/// Packs rows [r0, r0+rows) x cols [c0, c0+cols) of op(A) into MR-row micro-panels: panel q holds, for each
/// column p, the MR values of rows q*MR .. q*MR+MR-1 (zero past `rows`).
static void pack_a(float *CK_RESTRICT dst, const ck_gemm_view *a, int64_t r0, int64_t rows, int64_t c0,
                   int64_t cols, const ck_gemm_config *cfg) {
    const int mr = cfg->mr;
    if (a->implicit) {
        a->implicit->pack(a->implicit, dst, r0, rows, c0, cols, mr);
        return;
    }
    for (int64_t q = 0; q < rows; q += mr, dst += mr * cols) {
        const int64_t valid = CK_MIN((int64_t)mr, rows - q);
        if (!a->trans) {
            // Sequential writes from `valid` row streams (faster than scattering one row at a time).
            for (int64_t p = 0; p < cols;) {
                const int64_t run = view_run(a, c0 + p, cols - p);
                const float *src = a->x + (r0 + q) * a->ld + view_col(a, c0 + p);
                float *d = dst + p * mr;
                p += run;
                if (valid == mr && cfg->pack_a) {
                    cfg->pack_a(d, src, a->ld, run);
                    continue;
                }
                for (int64_t t = 0; t < run; t++)
                    for (int64_t i = 0; i < valid; i++) d[t * mr + i] = src[i * a->ld + t];
            }
        } else if (valid == mr && (mr == 6 || mr == 8)) {
            // Constant-size copies (a few vector moves) instead of the element loop below.
            const float *src = a->x + c0 * a->ld + r0 + q;
            if (mr == 8) {
                for (int64_t p = 0; p < cols; p++) memcpy(dst + p * 8, src + p * a->ld, 8 * sizeof(float));
            } else {
                for (int64_t p = 0; p < cols; p++) memcpy(dst + p * 6, src + p * a->ld, 6 * sizeof(float));
            }
        } else {
            for (int64_t p = 0; p < cols; p++) {
                const float *src = a->x + (c0 + p) * a->ld + r0 + q;
                for (int64_t i = 0; i < valid; i++) dst[p * mr + i] = src[i];
            }
        }
        for (int64_t i = valid; i < mr; i++)
            for (int64_t p = 0; p < cols; p++) dst[p * mr + i] = 0.0f;
    }
}

/// Packs one NR-column micro-panel of a non-transposed B whose columns are not one contiguous run (the
/// matrix edge, or a panel straddling two images of a segmented view): run by run, zero past `valid`.
static void pack_b_panel_runs(float *CK_RESTRICT dst, const ck_gemm_view *b, int64_t r0, int64_t rows, int64_t c0,
                              int64_t valid, int nr) {
    int64_t run_off[32 + 1], run_len[32 + 1], runs = 0;
    for (int64_t j = 0; j < valid; j += run_len[runs++]) {
        run_off[runs] = view_col(b, c0 + j);
        run_len[runs] = view_run(b, c0 + j, valid - j);
    }
    for (int64_t p = 0; p < rows; p++) {
        const float *src = b->x + (r0 + p) * b->ld;
        float *d = dst + p * nr;
        for (int64_t r = 0, j = 0; r < runs; j += run_len[r++])
            memcpy(d + j, src + run_off[r], (size_t)run_len[r] * sizeof(float));
        for (int64_t j = valid; j < nr; j++) d[j] = 0.0f;
    }
}

/// Non-transposed B: the panels that are one full contiguous run are packed row by row across the whole
/// block (each source row read once, left to right, so the hardware prefetcher sees long streams instead of
/// `rows` short ones per panel, and with vector moves instead of a memcpy call per panel row; measured on a
/// 64x25088x288 GEMM whose B comes from DRAM, 1 thread: 13.7-18.2 -> 11.8-12.2 ms); the others run by run.
static void pack_b_rows(float *CK_RESTRICT dst, const ck_gemm_view *b, int64_t r0, int64_t rows, int64_t c0,
                        int64_t cols, int nr, ck_gemm_pack_b_fn pack_full) {
    enum { CHUNK = 64 };  // panels per pass (nc / nr is at most 64 for every configuration)
    for (int64_t q0 = 0; q0 < cols; q0 += (int64_t)CHUNK * nr) {
        int64_t offset[CHUNK];  // per panel: column offset when it is one full run, else -1
        const int64_t panels = CK_MIN((int64_t)CHUNK, (cols - q0 + nr - 1) / nr);
        for (int64_t q = 0; q < panels; q++) {
            const int64_t j = c0 + q0 + q * nr, valid = CK_MIN((int64_t)nr, cols - q0 - q * nr);
            offset[q] = valid == nr && view_run(b, j, nr) == nr ? view_col(b, j) : -1;
        }
        float *block = dst + q0 * rows;
        if (pack_full) {
            pack_full(block, b->x + r0 * b->ld, b->ld, rows, offset, panels);
        } else {
            for (int64_t p = 0; p < rows; p++) {
                const float *src = b->x + (r0 + p) * b->ld;
                for (int64_t q = 0; q < panels; q++)
                    if (offset[q] >= 0)
                        for (int j = 0; j < nr; j++) block[q * nr * rows + p * nr + j] = src[offset[q] + j];
            }
        }
        for (int64_t q = 0; q < panels; q++)
            if (offset[q] < 0)
                pack_b_panel_runs(block + q * nr * rows, b, r0, rows, c0 + q0 + q * nr,
                                  CK_MIN((int64_t)nr, cols - q0 - q * nr), nr);
    }
}

/// Packs rows [r0, r0+rows) x cols [c0, c0+cols) of op(B) into NR-column micro-panels: panel q holds, for
/// each row p, the NR values of columns q*NR .. q*NR+NR-1 (zero past `cols`).
static void pack_b(float *CK_RESTRICT dst, const ck_gemm_view *b, int64_t r0, int64_t rows, int64_t c0,
                   int64_t cols, const ck_gemm_config *cfg) {
    const int nr = cfg->nr;
    const ck_gemm_pack_bt_fn pack_bt = cfg->pack_bt;
    if (b->implicit) {
        b->implicit->pack(b->implicit, dst, r0, rows, c0, cols, nr);
        return;
    }
    if (!b->trans) {
        pack_b_rows(dst, b, r0, rows, c0, cols, nr, cfg->pack_b);
        return;
    }
    for (int64_t q = 0; q < cols; q += nr, dst += nr * rows) {
        const int64_t valid = CK_MIN((int64_t)nr, cols - q);
        if (pack_bt && valid == nr) {
            pack_bt(dst, b->x + (c0 + q) * b->ld + r0, b->ld, rows);
        } else {
            for (int64_t j = 0; j < valid; j++) {
                const float *src = b->x + (c0 + q + j) * b->ld + r0;
                for (int64_t p = 0; p < rows; p++) dst[p * nr + j] = src[p];
            }
            for (int64_t p = 0; p < rows; p++)
                for (int64_t j = valid; j < nr; j++) dst[p * nr + j] = 0.0f;
        }
    }
}

// MARK: the loop nest

/// C view for stores (the same column mapping, writable).
typedef struct { float *x; int64_t ld, seg, seg_stride; } c_view;

/// Runs the micro-kernel over one packed Ap block (mc x kc) and Bp block (kc x nc) into C rows [ic, ic+mc),
/// columns [jc, jc+nc). Tiles that lie inside one run of C are written in place; the others (the matrix
/// edge, or a tile straddling two images of a segmented C) go through a tile buffer.
static void macro_kernel(const ck_gemm_config *cfg, const float *ap, const float *bp, int64_t mc, int64_t nc,
                         int64_t kc, float alpha, float beta, const c_view *cv, int64_t ic, int64_t jc) {
    const int mr = cfg->mr, nr = cfg->nr;
    const ck_gemm_view cmap = {.seg = cv->seg, .seg_stride = cv->seg_stride};
    float edge[32 * 32] __attribute__((aligned(64)));  // one register tile (MR, NR <= 32)
    for (int64_t ir = 0; ir < mc; ir += mr) {
        const int64_t rows = CK_MIN((int64_t)mr, mc - ir);
        for (int64_t jr = 0; jr < nc; jr += nr) {
            const int64_t cols = CK_MIN((int64_t)nr, nc - jr), j = jc + jr;
            const float *a_panel = ap + ir * kc, *b_panel = bp + jr * kc;
            float *c_row = cv->x + (ic + ir) * cv->ld;
            if (rows == mr && cols == nr && view_run(&cmap, j, nr) == nr) {
                cfg->micro(kc, a_panel, b_panel, c_row + view_col(&cmap, j), cv->ld, alpha, beta);
                continue;
            }
            cfg->micro(kc, a_panel, b_panel, edge, nr, alpha, 0.0f);
            for (int64_t t = 0; t < cols;) {
                const int64_t run = view_run(&cmap, j + t, cols - t);
                float *c_run = c_row + view_col(&cmap, j + t);
                for (int64_t i = 0; i < rows; i++) {
                    float *CK_RESTRICT ci = c_run + i * cv->ld;
                    const float *CK_RESTRICT ei = edge + i * nr + t;
                    if (beta == 0.0f) {
                        memcpy(ci, ei, (size_t)run * sizeof(float));
                    } else {
                        for (int64_t u = 0; u < run; u++) ci[u] = ei[u] + beta * ci[u];
                    }
                }
                t += run;
            }
        }
    }
}

/// kc for a k dimension: k split into equal blocks no larger than the configured kc.
static int64_t block_kc(const ck_gemm_config *cfg, int64_t k) {
    const int64_t blocks = (k + cfg->kc - 1) / cfg->kc;
    return (k + blocks - 1) / blocks;
}

/// The whole product for C rows [m0, m1) and columns [n0, n1) on one thread, with private buffers.
static int gemm_serial(const ck_gemm_config *cfg, const ck_gemm_view *a, const ck_gemm_view *b, int64_t m0,
                       int64_t m1, int64_t n0, int64_t n1, int64_t k, float alpha, float beta, const c_view *c) {
    const int64_t kc_max = block_kc(cfg, k);
    const int64_t mc_max = CK_MIN(cfg->mc, ((m1 - m0 + cfg->mr - 1) / cfg->mr) * cfg->mr);
    const int64_t nc_max = CK_MIN(cfg->nc, ((n1 - n0 + cfg->nr - 1) / cfg->nr) * cfg->nr);
    float *ap = ck_thread_buffer(0, (size_t)(mc_max * kc_max));
    float *bp = ck_thread_buffer(1, (size_t)(kc_max * nc_max));
    if (!ap || !bp) return -1;
    for (int64_t ic = m0; ic < m1; ic += cfg->mc) {
        const int64_t mc = CK_MIN(cfg->mc, m1 - ic);
        for (int64_t pc = 0; pc < k; pc += kc_max) {
            const int64_t kc = CK_MIN(kc_max, k - pc);
            pack_a(ap, a, ic, mc, pc, kc, cfg);
            const float block_beta = pc == 0 ? beta : 1.0f;
            for (int64_t jc = n0; jc < n1; jc += cfg->nc) {
                const int64_t nc = CK_MIN(cfg->nc, n1 - jc);
                pack_b(bp, b, pc, kc, jc, nc, cfg);
                macro_kernel(cfg, ap, bp, mc, nc, kc, alpha, block_beta, c, ic, jc);
            }
        }
    }
    return 0;
}

/// C = beta * C for the k == 0 case (and alpha == 0): no product to add.
static void scale_c(const c_view *c, int64_t m, int64_t n, float beta) {
    const ck_gemm_view cmap = {.seg = c->seg, .seg_stride = c->seg_stride};
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float *cij = c->x + i * c->ld + view_col(&cmap, j);
            *cij = beta == 0.0f ? 0.0f : beta * *cij;
        }
}

void ck_gemm_active_config(ck_gemm_config *cfg) {
    ((void (*const[CK_ISA_COUNT])(ck_gemm_config *))CK_ISA_TABLE(ck_gemm_config))[ck_isa_active()](cfg);
}

/// What both entry points do first: -1 for invalid sizes, 0 when nothing is left to multiply (empty C, or C only
/// scaled by beta), else 1 with the active ISA's configuration in `cfg`.
static int gemm_begin(int64_t m, int64_t n, int64_t k, float alpha, float beta, const ck_gemm_view *c, const c_view *cv,
                      ck_gemm_config *cfg) {
    if (m < 0 || n < 0 || k < 0 || c->trans) return -1;
    if (m == 0 || n == 0) return 0;
    if (k == 0 || alpha == 0.0f) {
        scale_c(cv, m, n, beta);
        return 0;
    }
    ck_gemm_active_config(cfg);
    return 1;
}

int ck_sgemm_view(int64_t m, int64_t n, int64_t k, float alpha, ck_gemm_view a, ck_gemm_view b, float beta,
                  ck_gemm_view c) {
    const c_view cv = {(float *)c.x, c.ld, c.seg, c.seg_stride};
    ck_gemm_config cfg;
    const int begun = gemm_begin(m, n, k, alpha, beta, &c, &cv, &cfg);
    if (begun <= 0) return begun;

    // Threads split C into column strips (when n is wide) or row strips, each a multiple of the register tile;
    // every thread packs its own A and B blocks. (Column strips used to share one packed A behind two barriers
    // per k block; packing A privately costs m·k copies per thread against m·k·n/threads multiply-adds, and
    // without the barriers 2 threads ran 1.01-1.13x faster on every GEMM shape of `ae bench kernels`.) Every
    // element is computed by exactly one thread with the same k order, so the result does not depend on the
    // thread count.
    const int64_t col_tiles = (n + cfg.nr - 1) / cfg.nr, row_tiles = (m + cfg.mr - 1) / cfg.mr;
    const double flops = 2.0 * (double)m * (double)n * (double)k;
    const int threads = flops < 2e5 ? 1 : ck_threads_for(CK_MAX(col_tiles, row_tiles));
    const int split_columns = col_tiles >= 2 * threads || col_tiles >= row_tiles;
    // Row strips are shared out through a ck_split, each at most one mc block, so a strip costs no more B
    // packing than the loop nest does anyway, and at least one strip per thread.
    const int64_t strip_tiles = CK_MIN(cfg.mc / cfg.mr, (row_tiles + threads - 1) / threads);
    const int64_t strips = (row_tiles + strip_tiles - 1) / strip_tiles;
    ck_split split = ck_split_make(threads, strips);
    int status = 0;
    #pragma omp parallel num_threads(threads) reduction(|: status)
    {
        if (split_columns) {
#ifdef _OPENMP
            const int t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
            const int t = 0, nt = 1;
#endif
            const int64_t first = col_tiles * t / nt, last = col_tiles * (t + 1) / nt;
            if (first < last)
                status |= gemm_serial(&cfg, &a, &b, 0, m, first * cfg.nr, CK_MIN(n, last * cfg.nr), k, alpha, beta, &cv);
        } else {
            for (int64_t visited = 0, s; (s = ck_split_next(&split, &visited)) >= 0;) {
                const int64_t r0 = s * strip_tiles * cfg.mr, r1 = CK_MIN(m, (s + 1) * strip_tiles * cfg.mr);
                status |= gemm_serial(&cfg, &a, &b, r0, r1, 0, n, k, alpha, beta, &cv);
            }
        }
    }
    return status ? -1 : 0;
}

int ck_sgemm_view_serial(int64_t m, int64_t n, int64_t k, float alpha, ck_gemm_view a, ck_gemm_view b, float beta,
                         ck_gemm_view c) {
    const c_view cv = {(float *)c.x, c.ld, c.seg, c.seg_stride};
    ck_gemm_config cfg;
    const int begun = gemm_begin(m, n, k, alpha, beta, &c, &cv, &cfg);
    return begun <= 0 ? begun : gemm_serial(&cfg, &a, &b, 0, m, 0, n, k, alpha, beta, &cv);
}

int ck_sgemm(ck_trans transa, ck_trans transb, int64_t m, int64_t n, int64_t k,
             float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
             float beta, float *c, int64_t ldc) {
    if (m < 0 || n < 0 || k < 0) return -1;
    if (ldc < n || lda < (transa == CK_NO_TRANS ? k : m) || ldb < (transb == CK_NO_TRANS ? n : k)) return -1;
    return ck_sgemm_view(m, n, k, alpha, (ck_gemm_view){.x = a, .ld = lda, .trans = transa == CK_TRANS},
                         (ck_gemm_view){.x = b, .ld = ldb, .trans = transb == CK_TRANS}, beta,
                         (ck_gemm_view){.x = c, .ld = ldc});
}

// MARK: the FMA ceiling

int ck_fma_probe_ref(double *out, int64_t iterations, float a, float b) {
    float acc[CK_FMA_PROBE_ACC];
    for (int j = 0; j < CK_FMA_PROBE_ACC; j++) acc[j] = 1.0f + (float)j / 100.0f;
    for (int64_t i = 0; i < iterations; i++)
        for (int j = 0; j < CK_FMA_PROBE_ACC; j++) acc[j] = fmaf(acc[j], a, b);
    for (int j = 0; j < CK_FMA_PROBE_ACC; j++) out[j] = (double)acc[j];
    return 1;
}

double ck_fma_peak(double *out, int64_t iterations, float a, float b) {
    typedef int (*probe_fn)(double *, int64_t, float, float);
    const probe_fn probe = CK_PICK(probe_fn, ck_fma_probe);
    const int threads = ck_threads_for(INT32_MAX);
    int lanes = 1;
    #pragma omp parallel num_threads(threads)
    {
        double mine[CK_FMA_PROBE_ACC];
        const int width = probe(mine, iterations, a, b);
#ifdef _OPENMP
        const int t = omp_get_thread_num();
#else
        const int t = 0;
#endif
        if (t == 0) {
            memcpy(out, mine, sizeof mine);
            lanes = width;
        }
    }
    return 2.0 * CK_FMA_PROBE_ACC * (double)lanes * (double)iterations * threads;
}

// MARK: linear layer

void ck_sum_rows(float *out, const float *x, int64_t rows, int64_t cols) {
    // Each column is summed top to bottom by one thread: the order never depends on the thread count.
    typedef void (*axpy_fn)(float *, const float *, int64_t, float);
    const axpy_fn axpy = CK_PICK(axpy_fn, ck_axpy_impl);
    const int64_t block = 256, blocks = (cols + block - 1) / block;
    CK_PARALLEL_FOR(ck_threads_for(rows * cols >= 65536 ? blocks : 1), jb, blocks) {
        const int64_t j0 = jb * block, len = CK_MIN(block, cols - j0);
        memset(out + j0, 0, (size_t)len * sizeof(float));
        for (int64_t i = 0; i < rows; i++) axpy(out + j0, x + i * cols + j0, len, 1.0f);
    }
}

void ck_linear_forward(float *y, const float *x, const float *w, const float *bias,
                       int64_t batch, int64_t in, int64_t out) {
    if (bias)
        for (int64_t i = 0; i < batch; i++) memcpy(y + i * out, bias, (size_t)out * sizeof(float));
    ck_sgemm(CK_NO_TRANS, CK_TRANS, batch, out, in, 1.0f, x, in, w, in, bias ? 1.0f : 0.0f, y, out);
}

void ck_linear_backward(float *dx, float *dw, float *dbias,
                        const float *dy, const float *x, const float *w,
                        int64_t batch, int64_t in, int64_t out) {
    if (dx) ck_sgemm(CK_NO_TRANS, CK_NO_TRANS, batch, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
    if (dw) ck_sgemm(CK_TRANS, CK_NO_TRANS, out, in, batch, 1.0f, dy, out, x, in, 0.0f, dw, in);
    if (dbias) ck_sum_rows(dbias, dy, batch, out);
}
