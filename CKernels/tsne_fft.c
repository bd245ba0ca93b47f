// FFT-accelerated interpolation of the t-SNE repulsive forces (FIt-SNE, Linderman et al. 2019), and the
// mixed-radix FFT it runs on. See include/ck_tsne.h for the definitions.
//
// The squared Cauchy kernel K(d) = 1 / (1 + |d|^2)^2 is smooth at the scale of one unit, so on boxes of
// side <= 1 it is well approximated by Lagrange interpolation through 3 x 3 nodes per box. Sums over points
// then become: spread each point's charges onto the nodes of its box, convolve the node grid with K (a
// Toeplitz product, done as a circular convolution on a grid twice the size, by FFT), and interpolate the
// potentials back to the points. Four charges per point (1, x, y, |y|^2) give every sum the gradient
// needs, including Z, through w = K (1 + d^2).
//
// The FFT is a Stockham autosort transform of radices 4, 2, 3 and 5 applied to "strips": FFT_LANES
// sequences side by side, so every butterfly is a short loop over lanes that the compiler vectorises and a
// strip (a few hundred KB) stays in cache through all its stages. A 2-D transform is a pass of strips down
// the columns and one along the rows. Each strip is computed by one thread in a fixed way, so results do
// not depend on the thread count.
#include "include/ck_tsne.h"
#include "ck_internal.h"

#include <math.h>

/// Sequences per strip: one AVX-512 register of doubles, two of AVX2.
#define FFT_LANES 8
/// Interpolation nodes per box side (FIt-SNE's and openTSNE's default).
#define NODES 3
/// Largest box count per side: bounds the grids (five of (6 boxes)^2 doubles, 230 MB at 400) when an
/// embedding spreads far; boxes then get wider than 1 and the interpolation coarser.
#define MAX_BOXES 400
/// Most radix stages a supported length can need (2^40 is far beyond any grid here).
#define MAX_STAGES 40

// MARK: FFT

typedef struct {
    int64_t m;                  // sequence length
    int stages;
    int radix[MAX_STAGES];
    const double *twr, *twi;    // cos, sin of 2 pi q / m, q in [0, m)
    double *strips;             // per thread: 4 m FFT_LANES doubles (two complex ping-pong buffers)
} fft_plan;

/// Factors m into radices 4 (first, fewest stages), then 2, 3 and 5. Returns 0 for other prime factors.
static int fft_factor(fft_plan *p, int64_t m) {
    p->m = m;
    p->stages = 0;
    static const int radices[] = { 4, 2, 3, 5 };
    for (int r = 0; r < 4; r++)
        while (m % radices[r] == 0 && m > 1) {
            if (p->stages == MAX_STAGES) return 0;
            p->radix[p->stages++] = radices[r];
            m /= radices[r];
        }
    return m == 1;
}

int64_t ck_tsne_fft_supported(int64_t m) {
    fft_plan p;
    return m >= 1 && fft_factor(&p, m);
}

static void fill_twiddles(double *twr, double *twi, int64_t m) {
    for (int64_t q = 0; q < m; q++) {
        const double a = 2.0 * M_PI * (double)q / (double)m;
        twr[q] = cos(a);
        twi[q] = sin(a);
    }
}

/// FFT_LANES doubles as one value: the butterflies below are written once on whole strips of lanes, and
/// the compiler maps them onto whatever vector registers the target has. Unaligned loads are allowed.
typedef double lanes_t __attribute__((vector_size(FFT_LANES * sizeof(double)), aligned(sizeof(double))));

// One Stockham stage: sub-transforms of size ns (the product of the radices done) grow to ns * R. Row j of
// the R inputs j + r m / R is twiddled by w^(r k), k = j mod ns, w = exp(dir 2 pi i / (ns R)), goes through an
// R-point DFT, and lands at rows (j / ns) ns R + k + r ns. dir = -1 forward, +1 inverse.
#define STAGE_BEGIN(R)                                                                  \
    const int64_t span = m / (R), step = m / (ns * (R));                                \
    for (int64_t j = 0; j < span; j++) {                                                \
        const int64_t k = j % ns, out = (j / ns) * ns * (R) + k;                        \
        lanes_t ar[R], ai[R];                                                             \
        ar[0] = xr[j];                                                                  \
        ai[0] = xi[j];                                                                  \
        for (int r = 1; r < (R); r++) {                                                 \
            const double wr = twr[r * k * step], wi = dir * twi[r * k * step];          \
            const lanes_t pr = xr[j + r * span], pi = xi[j + r * span];                   \
            ar[r] = pr * wr - pi * wi;                                                  \
            ai[r] = pr * wi + pi * wr;                                                  \
        }
#define STAGE_OUT(r, vr, vi)                                                            \
        yr[out + (r) * ns] = (vr);                                                      \
        yi[out + (r) * ns] = (vi);
#define STAGE_END }

#define STAGE_ARGS lanes_t *restrict yr, lanes_t *restrict yi, const lanes_t *restrict xr, const lanes_t *restrict xi, \
                   int64_t m, int64_t ns, const double *restrict twr, const double *restrict twi, double dir

static inline __attribute__((always_inline)) void stage2(STAGE_ARGS) {
    STAGE_BEGIN(2)
    STAGE_OUT(0, ar[0] + ar[1], ai[0] + ai[1])
    STAGE_OUT(1, ar[0] - ar[1], ai[0] - ai[1])
    STAGE_END
}

static inline __attribute__((always_inline)) void stage4(STAGE_ARGS) {
    STAGE_BEGIN(4)
    // X1,3 = (a0 - a2) +- dir i (a1 - a3); i (p + i q) = -q + i p
    const lanes_t sr = ar[0] + ar[2], si = ai[0] + ai[2], dr = ar[0] - ar[2], di = ai[0] - ai[2];
    const lanes_t tr = ar[1] + ar[3], ti = ai[1] + ai[3], er = ar[1] - ar[3], ei = ai[1] - ai[3];
    STAGE_OUT(0, sr + tr, si + ti)
    STAGE_OUT(1, dr - dir * ei, di + dir * er)
    STAGE_OUT(2, sr - tr, si - ti)
    STAGE_OUT(3, dr + dir * ei, di - dir * er)
    STAGE_END
}

static inline __attribute__((always_inline)) void stage3(STAGE_ARGS) {
    STAGE_BEGIN(3)
    // X1,2 = a0 - (a1 + a2) / 2 +- dir i (sqrt 3 / 2) (a1 - a2)
    const double s = dir * 0.86602540378443864676;
    const lanes_t tr = ar[1] + ar[2], ti = ai[1] + ai[2], dr = s * (ar[1] - ar[2]), di = s * (ai[1] - ai[2]);
    const lanes_t mr = ar[0] - 0.5 * tr, mi = ai[0] - 0.5 * ti;
    STAGE_OUT(0, ar[0] + tr, ai[0] + ti)
    STAGE_OUT(1, mr - di, mi + dr)
    STAGE_OUT(2, mr + di, mi - dr)
    STAGE_END
}

static inline __attribute__((always_inline)) void stage5(STAGE_ARGS) {
    STAGE_BEGIN(5)
    // X1,4 = a0 + c1 t1 + c2 t2 +- dir i (s1 d1 + s2 d2);  X2,3 = a0 + c2 t1 + c1 t2 +- dir i (s2 d1 - s1 d2)
    const double c1 = 0.30901699437494742410, c2 = -0.80901699437494742410;
    const double s1 = dir * 0.95105651629515357212, s2 = dir * 0.58778525229247312917;
    const lanes_t t1r = ar[1] + ar[4], t1i = ai[1] + ai[4], d1r = ar[1] - ar[4], d1i = ai[1] - ai[4];
    const lanes_t t2r = ar[2] + ar[3], t2i = ai[2] + ai[3], d2r = ar[2] - ar[3], d2i = ai[2] - ai[3];
    const lanes_t p1r = ar[0] + c1 * t1r + c2 * t2r, p1i = ai[0] + c1 * t1i + c2 * t2i;
    const lanes_t p2r = ar[0] + c2 * t1r + c1 * t2r, p2i = ai[0] + c2 * t1i + c1 * t2i;
    const lanes_t q1r = s1 * d1r + s2 * d2r, q1i = s1 * d1i + s2 * d2i;
    const lanes_t q2r = s2 * d1r - s1 * d2r, q2i = s2 * d1i - s1 * d2i;
    STAGE_OUT(0, ar[0] + t1r + t2r, ai[0] + t1i + t2i)
    STAGE_OUT(1, p1r - q1i, p1i + q1r)
    STAGE_OUT(2, p2r - q2i, p2i + q2r)
    STAGE_OUT(3, p2r + q2i, p2i - q2r)
    STAGE_OUT(4, p1r + q1i, p1i - q1r)
    STAGE_END
}

/// Transforms the FFT_LANES sequences in buf (re: m x FFT_LANES, then im, then the same again as the
/// ping-pong half). Returns the offset (0 or 2 m FFT_LANES) of the half holding the result.
static inline __attribute__((always_inline)) int64_t strip_fft(double *buf, const fft_plan *p, double dir) {
    const int64_t half = 2 * p->m * FFT_LANES, plane = p->m * FFT_LANES;
    int64_t src = 0;
    int64_t ns = 1;
    for (int s = 0; s < p->stages; s++) {
        lanes_t *xr = (lanes_t *)(buf + src), *xi = (lanes_t *)(buf + src + plane);
        lanes_t *yr = (lanes_t *)(buf + half - src), *yi = (lanes_t *)(buf + half - src + plane);
        switch (p->radix[s]) {
        case 4: stage4(yr, yi, xr, xi, p->m, ns, p->twr, p->twi, dir); break;
        case 2: stage2(yr, yi, xr, xi, p->m, ns, p->twr, p->twi, dir); break;
        case 3: stage3(yr, yi, xr, xi, p->m, ns, p->twr, p->twi, dir); break;
        default: stage5(yr, yi, xr, xi, p->m, ns, p->twr, p->twi, dir); break;
        }
        ns *= p->radix[s];
        src = half - src;
    }
    return src;
}

// The strip transform for each ISA: the same code, inlined into functions compiled for wider vectors (the
// rest of the library stays baseline). Chosen by the active ISA, so AE_ISA still forces a path. The
// variants differ only in rounding where the compiler fuses multiply-adds.
typedef int64_t (*strip_fn)(double *buf, const fft_plan *p, double dir);
static int64_t strip_fft_ref(double *buf, const fft_plan *p, double dir) { return strip_fft(buf, p, dir); }
#if CK_ARCH_X86
__attribute__((target("avx2,fma")))
static int64_t strip_fft_avx2(double *buf, const fft_plan *p, double dir) { return strip_fft(buf, p, dir); }
__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
static int64_t strip_fft_avx512(double *buf, const fft_plan *p, double dir) { return strip_fft(buf, p, dir); }
#endif

static strip_fn pick_strip_fft(void) {
#if CK_ARCH_X86
    switch (ck_isa_active()) {
    case CK_ISA_AVX512: return strip_fft_avx512;
    case CK_ISA_AVX2: return strip_fft_avx2;
    default: return strip_fft_ref;
    }
#else
    return strip_fft_ref;
#endif
}

/// 1-D transforms along the rows of a complex array (re, im: rows x stride): for each row in [0, rows),
/// elements [0, in) are read (the rest of the sequence taken as 0) and [0, out) written.
static void fft_along_rows(double *re, double *im, int64_t stride, int64_t rows, int64_t in, int64_t out,
                           const fft_plan *p, double dir) {
    const int64_t m = p->m, strips = (rows + FFT_LANES - 1) / FFT_LANES;
    const strip_fn transform = pick_strip_fft();
    #pragma omp parallel for num_threads(ck_threads_for(strips)) schedule(static)
    for (int64_t s = 0; s < strips; s++) {
        double *buf = p->strips + (int64_t)ck_thread_id() * 4 * m * FFT_LANES;
        double *br = buf, *bi = buf + m * FFT_LANES;
        const int64_t row0 = s * FFT_LANES, lanes = CK_MIN(FFT_LANES, rows - row0);
        // Row pointers for every lane; missing lanes read row0 again (their results are not written back).
        const double *sr[FFT_LANES], *si[FFT_LANES];
        for (int64_t l = 0; l < FFT_LANES; l++) {
            sr[l] = re + (row0 + (l < lanes ? l : 0)) * stride;
            si[l] = im + (row0 + (l < lanes ? l : 0)) * stride;
        }
        for (int64_t v = 0; v < in; v++)
            for (int64_t l = 0; l < FFT_LANES; l++) {
                br[v * FFT_LANES + l] = sr[l][v];
                bi[v * FFT_LANES + l] = si[l][v];
            }
        for (int64_t q = in * FFT_LANES; q < m * FFT_LANES; q++) br[q] = bi[q] = 0.0;
        const double *res = buf + transform(buf, p, dir), *ris = res + m * FFT_LANES;
        for (int64_t l = 0; l < lanes; l++) {
            double *dr = re + (row0 + l) * stride, *di = im + (row0 + l) * stride;
            for (int64_t v = 0; v < out; v++) {
                dr[v] = res[v * FFT_LANES + l];
                di[v] = ris[v * FFT_LANES + l];
            }
        }
    }
}

/// 1-D transforms down the columns [0, cols) of a complex array (re, im: m rows x stride): rows [0, in) are
/// read (the rest taken as 0) and rows [0, out) written. Needs stride >= cols rounded up to FFT_LANES.
static void fft_along_columns(double *re, double *im, int64_t stride, int64_t cols, int64_t in, int64_t out,
                              const fft_plan *p, double dir) {
    const int64_t m = p->m, strips = (cols + FFT_LANES - 1) / FFT_LANES;
    const strip_fn transform = pick_strip_fft();
    #pragma omp parallel for num_threads(ck_threads_for(strips)) schedule(static)
    for (int64_t s = 0; s < strips; s++) {
        double *buf = p->strips + (int64_t)ck_thread_id() * 4 * m * FFT_LANES;
        double *br = buf, *bi = buf + m * FFT_LANES;
        const int64_t col0 = s * FFT_LANES, lanes = CK_MIN(FFT_LANES, cols - col0);
        // Whole strips are read (the stride leaves room); lanes past `cols` are computed and dropped.
        for (int64_t u = 0; u < in; u++) {
            *(lanes_t *)(br + u * FFT_LANES) = *(const lanes_t *)(re + u * stride + col0);
            *(lanes_t *)(bi + u * FFT_LANES) = *(const lanes_t *)(im + u * stride + col0);
        }
        for (int64_t q = in * FFT_LANES; q < m * FFT_LANES; q++) br[q] = bi[q] = 0.0;
        const double *res = buf + transform(buf, p, dir), *ris = res + m * FFT_LANES;
        for (int64_t u = 0; u < out; u++) {
            if (lanes == FFT_LANES) {
                *(lanes_t *)(re + u * stride + col0) = *(const lanes_t *)(res + u * FFT_LANES);
                *(lanes_t *)(im + u * stride + col0) = *(const lanes_t *)(ris + u * FFT_LANES);
            } else {
                for (int64_t l = 0; l < lanes; l++) {
                    re[u * stride + col0 + l] = res[u * FFT_LANES + l];
                    im[u * stride + col0 + l] = ris[u * FFT_LANES + l];
                }
            }
        }
    }
}

int64_t ck_tsne_fft_rows_workspace(int64_t m) {
    return 2 * m + (int64_t)ck_threads() * 4 * m * FFT_LANES;
}

int ck_tsne_fft_rows(double *re, double *im, double *workspace, int64_t m, int64_t rows, int inverse) {
    fft_plan p;
    if (m < 1 || !fft_factor(&p, m)) return -1;
    fill_twiddles(workspace, workspace + m, m);
    p.twr = workspace;
    p.twi = workspace + m;
    p.strips = workspace + 2 * m;
    fft_along_rows(re, im, m, rows, m, m, &p, inverse ? 1.0 : -1.0);
    return 0;
}

// MARK: grid

/// Smallest count >= b that is 2^a 3^b 5^c (so the FFT length 6 count factors into supported radices).
static int64_t smooth_at_least(int64_t b) {
    for (;; b++) {
        int64_t r = b;
        while (r % 2 == 0) r /= 2;
        while (r % 3 == 0) r /= 3;
        while (r % 5 == 0) r /= 5;
        if (r == 1) return b;
    }
}

/// Lowest coordinate and side of the square around y (n, 2).
static void bounding_square(const double *y, int64_t n, double *lo, double *side) {
    double l = INFINITY, h = -INFINITY;
    for (int64_t q = 0; q < 2 * n; q++) { l = fmin(l, y[q]); h = fmax(h, y[q]); }
    *lo = l;
    *side = h - l;
}

int64_t ck_tsne_fft_boxes(const double *y, int64_t n, int64_t min_boxes) {
    double lo, side;
    bounding_square(y, n, &lo, &side);
    const double want = fmax((double)min_boxes, ceil(side));  // boxes of side at most 1
    // A few points can spread over hundreds of units; a grid of far more boxes than sqrt(n) per side then
    // costs FFTs of millions of nodes per iteration for a sum that has n² = few terms. Capping at
    // sqrt(n) boxes per side (never below min_boxes) keeps the grid no bigger than ~9n nodes.
    const double cap = fmax((double)min_boxes, fmin((double)MAX_BOXES, ceil(sqrt((double)n))));
    return smooth_at_least((int64_t)fmin(want, cap));
}

/// Row stride of the grids: whole FFT strips fit in every row.
static inline int64_t grid_stride(int64_t m) { return (m + FFT_LANES - 1) / FFT_LANES * FFT_LANES; }

int64_t ck_tsne_fft_workspace(int64_t n, int64_t boxes, int64_t *ints) {
    const int64_t m = 2 * NODES * boxes;
    *ints = 2 * n + boxes * boxes + 1;
    return 2 * m + 5 * m * grid_stride(m) + (int64_t)ck_threads() * 4 * m * FFT_LANES + 5 * n;
}

/// Lagrange weights at t in [0, 1] of the nodes (q + 1/2) / 3, q = 0, 1, 2.
static inline void lagrange3(double w[NODES], double t) {
    const double a = t - 1.0 / 6.0, b = t - 0.5, c = t - 5.0 / 6.0;
    w[0] = 4.5 * b * c;    // 1 / ((t0 - t1)(t0 - t2)) = 9 / 2
    w[1] = -9.0 * a * c;   // 1 / ((t1 - t0)(t1 - t2)) = -9
    w[2] = 4.5 * a * b;
}

/// A point's box (column, row) and its weights on the 3 x 3 nodes, from its grid coordinates (u, v) in box
/// units. The far edge belongs to the last box.
static inline void locate(int64_t *bx, int64_t *by, double wx[NODES], double wy[NODES], double u, double v, int64_t boxes) {
    *bx = CK_MIN((int64_t)u, boxes - 1);
    *by = CK_MIN((int64_t)v, boxes - 1);
    lagrange3(wx, u - (double)*bx);
    lagrange3(wy, v - (double)*by);
}

double ck_tsne_repulsive_fft(double *rep, double *row_z, double *workspace, int32_t *ints, const double *y,
                             int64_t n, int64_t boxes) {
    double lo, side;
    bounding_square(y, n, &lo, &side);
    const double width = fmax(side, 1e-12) / (double)boxes, h = width / NODES;
    const double centre = lo + 0.5 * side;  // charges relative to the centre keep |y|^2 small
    const int64_t g = NODES * boxes, m = 2 * g, st = grid_stride(m), size = m * st;
    fft_plan p;
    fft_factor(&p, m);  // 6 * (2^a 3^b 5^c): always factors
    double *twr = workspace, *twi = workspace + m;
    double *ar = workspace + 2 * m, *ai = ar + size, *br = ai + size, *bi = br + size, *kernel = bi + size;
    p.twr = twr;
    p.twi = twi;
    p.strips = kernel + size;
    double *sorted = p.strips + (int64_t)ck_threads() * 4 * m * FFT_LANES;  // (n, 2) points in box order
    double *result = sorted + 2 * n;                                         // (n, 3) rep, row_z in box order
    fill_twiddles(twr, twi, m);

    // Kernel spectrum: K on node offsets wrapped circularly (offsets beyond g - 1 never occur; row and
    // column g are 0) is real and even in both axes, so its transform is too, and so is the transform of
    // every column: two real columns (or rows) ride as the real and imaginary parts of one complex
    // sequence and come out apart. Only offsets 0..g are needed of each axis (the rest mirror them).
    // 1 / m^2 of the inverse transform is folded in. spectrum (g + 1, st): rows 0..g.
    const int64_t pairs = (g + 2) / 2;
    #pragma omp parallel for num_threads(ck_threads_for(m / 16 + 1)) schedule(static)
    for (int64_t u = 0; u < m; u++) {
        const double du = (double)(u <= g ? u : m - u);
        for (int64_t a = 0; a < pairs; a++)
            for (int half = 0; half < 2; half++) {
                const int64_t v = 2 * a + half;
                const double w = 1.0 / (1.0 + h * h * (du * du + (double)(v * v)));
                (half ? ai : ar)[u * st + a] = (u == g || v >= g) ? 0.0 : w * w;
            }
    }
    fft_along_columns(ar, ai, st, pairs, m, m, &p, -1.0);  // column 2a -> ar[., a], 2a + 1 -> ai[., a]
    #pragma omp parallel for num_threads(ck_threads_for(pairs / 4 + 1)) schedule(static)
    for (int64_t b = 0; b < pairs; b++)
        for (int64_t v = 0; v < m; v++) {
            const int64_t vv = v <= g ? v : m - v;  // even in v
            const double *src = (vv & 1) ? ai : ar;
            br[b * st + v] = src[(2 * b) * st + vv / 2];
            bi[b * st + v] = src[(2 * b + 1) * st + vv / 2];
        }
    fft_along_rows(br, bi, st, pairs, m, m, &p, -1.0);      // row 2b -> br[b, .], 2b + 1 -> bi[b, .]
    const double norm = 1.0 / (double)(m * m);
    for (int64_t k = 0; k <= g; k++)
        for (int64_t l = 0; l < m; l++) kernel[k * st + l] = ((k & 1) ? bi : br)[(k / 2) * st + l] * norm;

    // Points sorted by box (counting sort, stable; boxes column-major by x): the grid is then read and
    // written in order, and each thread spreads onto the grid rows of its own box columns.
    int32_t *cell = ints, *order = ints + n, *start = ints + 2 * n;
    ck_tsne_grid_sort(cell, order, start, y, n, lo, lo, width, boxes);
    for (int64_t e = 0; e < n; e++) {
        sorted[2 * e] = y[2 * order[e]];
        sorted[2 * e + 1] = y[2 * order[e] + 1];
    }

    // Charges (1, x, y, |y|^2) as two complex grids: a = 1 + i x, b = y + i |y|^2 (the kernel is real, so
    // real and imaginary parts convolve independently). Grid row = x node, column = y node.
    #pragma omp parallel for num_threads(ck_threads_for(boxes)) schedule(static)
    for (int64_t bx = 0; bx < boxes; bx++) {
        for (int64_t u = NODES * bx; u < NODES * (bx + 1); u++)
            for (int64_t v = 0; v < g; v++) ar[u * st + v] = ai[u * st + v] = br[u * st + v] = bi[u * st + v] = 0.0;
        for (int64_t e = start[bx * boxes]; e < start[(bx + 1) * boxes]; e++) {
            const double *pt = sorted + 2 * e;
            const double x = pt[0] - centre, yy = pt[1] - centre, r2 = x * x + yy * yy;
            int64_t cx, cy;
            double wx[NODES], wy[NODES];
            locate(&cx, &cy, wx, wy, (pt[0] - lo) / width, (pt[1] - lo) / width, boxes);
            for (int a = 0; a < NODES; a++)
                for (int b = 0; b < NODES; b++) {
                    const int64_t q = (NODES * cx + a) * st + NODES * cy + b;
                    const double w = wx[a] * wy[b];
                    ar[q] += w;
                    ai[q] += w * x;
                    br[q] += w * yy;
                    bi[q] += w * r2;
                }
        }
    }

    // Convolution: the charges fill the first g rows and columns; only those of the result are needed.
    double *grids[2][2] = { { ar, ai }, { br, bi } };
    for (int c = 0; c < 2; c++) {
        double *re = grids[c][0], *im = grids[c][1];
        fft_along_columns(re, im, st, g, g, m, &p, -1.0);
        fft_along_rows(re, im, st, m, g, m, &p, -1.0);
        #pragma omp parallel for num_threads(ck_threads_for(m / 16 + 1)) schedule(static)
        for (int64_t u = 0; u < m; u++) {
            const double *k = kernel + (u <= g ? u : m - u) * st;  // even in u
            for (int64_t v = 0; v < m; v++) { re[u * st + v] *= k[v]; im[u * st + v] *= k[v]; }
        }
        fft_along_rows(re, im, st, m, m, g, &p, 1.0);
        fft_along_columns(re, im, st, g, m, g, &p, 1.0);
    }

    // Potentials at the points (in box order): phi_t = sum_j K~(y_i, y_j) charge_t(j), then
    //   rep_i = x_i phi_0 - phi_1 (and y), Z_i = (1 + |y_i|^2) phi_0 - 2 y_i . (phi_1, phi_2) + phi_3 - 1 (self).
    #pragma omp parallel for num_threads(ck_threads_for(n / 256 + 1)) schedule(static)
    for (int64_t e = 0; e < n; e++) {
        const double *pt = sorted + 2 * e;
        const double x = pt[0] - centre, yy = pt[1] - centre;
        int64_t cx, cy;
        double wx[NODES], wy[NODES];
        locate(&cx, &cy, wx, wy, (pt[0] - lo) / width, (pt[1] - lo) / width, boxes);
        double phi0 = 0.0, phi1 = 0.0, phi2 = 0.0, phi3 = 0.0;
        for (int a = 0; a < NODES; a++)
            for (int b = 0; b < NODES; b++) {
                const int64_t q = (NODES * cx + a) * st + NODES * cy + b;
                const double w = wx[a] * wy[b];
                phi0 += w * ar[q];
                phi1 += w * ai[q];
                phi2 += w * br[q];
                phi3 += w * bi[q];
            }
        result[3 * e] = x * phi0 - phi1;
        result[3 * e + 1] = yy * phi0 - phi2;
        result[3 * e + 2] = (1.0 + x * x + yy * yy) * phi0 - 2.0 * (x * phi1 + yy * phi2) + phi3 - 1.0;
    }
    for (int64_t e = 0; e < n; e++) {
        const int64_t i = order[e];
        rep[2 * i] = result[3 * e];
        rep[2 * i + 1] = result[3 * e + 1];
        row_z[i] = result[3 * e + 2];
    }
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) total += row_z[i];
    return total;
}
