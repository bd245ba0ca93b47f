// t-SNE kernels (see include/ck_tsne.h): neighbour selection, perplexity calibration, exact forces, KL and
// the optimiser step. Plain C, vectorised by the compiler; threads split the points, each point's results
// are written by one thread only, and sums over points are added in index order afterwards.
// The Barnes-Hut tree is in tsne_bh.c.
#include "include/ck_tsne.h"
#include "ck_internal.h"

#include <math.h>

/// Points per parallel piece: enough work per piece to amortise scheduling for O(n) inner loops.
#define TSNE_ROWS_PER_PIECE 64

// Interleaved static schedules (schedule(static, m)) balance uneven rows: the installed libomp may be older
// than the compiler, whose dynamic schedules need __kmpc_dispatch_deinit.

// MARK: nearest neighbours

/// Inserts (j, d) into the list (idx, dist) of length k, ascending by (distance, index), whose last entry
/// ranks after it.
static inline void insert_sorted(int32_t *restrict idx, float *restrict dist, int64_t k, int32_t j, float d) {
    int64_t p = k - 1;
    while (p > 0 && (dist[p - 1] > d || (dist[p - 1] == d && idx[p - 1] > j))) {
        dist[p] = dist[p - 1];
        idx[p] = idx[p - 1];
        p--;
    }
    dist[p] = d;
    idx[p] = j;
}

/// (d, j) ranks before the last entry of the list.
static inline int ranks_in(const int32_t *idx, const float *dist, int64_t k, int32_t j, float d) {
    return d < dist[k - 1] || (d == dist[k - 1] && j < idx[k - 1]);
}

static inline void reset_list(int32_t *idx, float *dist, int64_t k) {
    for (int64_t m = 0; m < k; m++) { idx[m] = -1; dist[m] = INFINITY; }
}

/// Candidates per screening step of ck_tsne_knn_block: their distances are computed together (vectorised)
/// and compared with the current k-th before any of them is inserted one by one.
#define KNN_SCREEN 16

void ck_tsne_knn_block(int32_t *idx, float *dist, const float *dots, const float *sqnorms,
                       int64_t row0, int64_t rows, int64_t col0, int64_t cols, int64_t k) {
    #pragma omp parallel for num_threads(ck_threads_for(rows / 8 + 1)) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const int64_t i = row0 + r;
        const float *restrict dot = dots + r * cols;
        const float *restrict sq = sqnorms + col0;
        int32_t *restrict ni = idx + r * k;
        float *restrict nd = dist + r * k;
        if (col0 == 0) reset_list(ni, nd, k);
        const float si = sqnorms[i];
        // Candidates arrive in index order, so "closer than the k-th" is the whole ranking test.
        int64_t c0 = 0;
        for (; c0 + KNN_SCREEN <= cols; c0 += KNN_SCREEN) {
            float d[KNN_SCREEN];
            const float worst = nd[k - 1];
            int any = 0;
            for (int t = 0; t < KNN_SCREEN; t++) {
                d[t] = fmaxf(si + sq[c0 + t] - 2.0f * dot[c0 + t], 0.0f);
                any |= d[t] < worst;
            }
            if (!any) continue;
            for (int t = 0; t < KNN_SCREEN; t++)
                if (d[t] < nd[k - 1] && col0 + c0 + t != i) insert_sorted(ni, nd, k, (int32_t)(col0 + c0 + t), d[t]);
        }
        for (int64_t c = c0; c < cols; c++) {
            const float d = fmaxf(si + sq[c] - 2.0f * dot[c], 0.0f);
            if (d < nd[k - 1] && col0 + c != i) insert_sorted(ni, nd, k, (int32_t)(col0 + c), d);
        }
    }
}

void ck_tsne_knn_direct(int32_t *idx, float *dist, const double *points, int64_t n, int64_t dim, int64_t k) {
    #pragma omp parallel for num_threads(ck_threads_for(n / TSNE_ROWS_PER_PIECE + 1)) schedule(static, TSNE_ROWS_PER_PIECE)
    for (int64_t i = 0; i < n; i++) {
        const double *restrict pi = points + i * dim;
        int32_t *restrict ni = idx + i * k;
        float *restrict nd = dist + i * k;
        reset_list(ni, nd, k);
        for (int64_t j = 0; j < n; j++) {
            const double *restrict pj = points + j * dim;
            double d = 0.0;
            for (int64_t c = 0; c < dim; c++) d += (pi[c] - pj[c]) * (pi[c] - pj[c]);
            if ((float)d < nd[k - 1] && j != i) insert_sorted(ni, nd, k, (int32_t)j, (float)d);
        }
    }
}

void ck_tsne_grid_sort(int32_t *cell, int32_t *order, int32_t *start, const double *points, int64_t n,
                       double lo_x, double lo_y, double width, int64_t side) {
    const int64_t cells = side * side;
    for (int64_t c = 0; c <= cells; c++) start[c] = 0;
    for (int64_t i = 0; i < n; i++) {
        const int64_t cx = CK_MIN((int64_t)((points[2 * i] - lo_x) / width), side - 1);
        const int64_t cy = CK_MIN((int64_t)((points[2 * i + 1] - lo_y) / width), side - 1);
        cell[i] = (int32_t)(cx * side + cy);
        start[cell[i] + 1]++;
    }
    for (int64_t c = 0; c < cells; c++) start[c + 1] += start[c];
    for (int64_t i = 0; i < n; i++) order[start[cell[i]]++] = (int32_t)i;  // stable: index order per cell
    for (int64_t c = cells; c > 0; c--) start[c] = start[c - 1];
    start[0] = 0;
}

/// Cells per side of the ck_tsne_knn_grid grid: about 2 points per cell when they spread evenly.
static int64_t knn_grid_side(int64_t n) {
    const int64_t side = (int64_t)ceil(sqrt((double)n / 2.0));
    return side < 1 ? 1 : side;
}

int64_t ck_tsne_knn_grid_workspace(int64_t n) {
    const int64_t side = knn_grid_side(n);
    return 2 * n + side * side + 1;
}

void ck_tsne_knn_grid(int32_t *idx, float *dist, int32_t *workspace, const double *points, int64_t n, int64_t k) {
    const int64_t side = knn_grid_side(n);
    double lo_x = INFINITY, lo_y = INFINITY, span = 0.0;
    for (int64_t i = 0; i < n; i++) { lo_x = fmin(lo_x, points[2 * i]); lo_y = fmin(lo_y, points[2 * i + 1]); }
    for (int64_t i = 0; i < n; i++) span = fmax(span, fmax(points[2 * i] - lo_x, points[2 * i + 1] - lo_y));
    const double width = span > 0.0 ? span / (double)side : 1.0;
    // Points by cell, each cell listing its points in index order.
    int32_t *cell = workspace, *order = workspace + n, *start = workspace + 2 * n;
    ck_tsne_grid_sort(cell, order, start, points, n, lo_x, lo_y, width, side);

    #pragma omp parallel for num_threads(ck_threads_for(n / TSNE_ROWS_PER_PIECE + 1)) schedule(static, TSNE_ROWS_PER_PIECE)
    for (int64_t i = 0; i < n; i++) {
        int32_t *restrict ni = idx + i * k;
        float *restrict nd = dist + i * k;
        reset_list(ni, nd, k);
        const double xi = points[2 * i], yi = points[2 * i + 1];
        const int64_t cx = cell[i] / side, cy = cell[i] % side;
        // Rings of cells at Chebyshev distance r: every point beyond ring r is at least r cells away.
        for (int64_t r = 0; r <= side; r++) {
            for (int64_t x = CK_MAX(cx - r, 0); x <= CK_MIN(cx + r, side - 1); x++) {
                const int edge = x == cx - r || x == cx + r;  // whole row of the ring, else its two ends
                for (int64_t y = cy - r; y <= cy + r; y += (edge || r == 0) ? 1 : 2 * r) {
                    if (y < 0 || y >= side) continue;
                    for (int64_t e = start[x * side + y]; e < start[x * side + y + 1]; e++) {
                        const int32_t j = order[e];
                        const double dx = xi - points[2 * j], dy = yi - points[2 * j + 1];
                        const float d = (float)(dx * dx + dy * dy);
                        if (j != i && ranks_in(ni, nd, k, j, d)) insert_sorted(ni, nd, k, j, d);
                    }
                }
            }
            // Rounding can only bring a computed distance below the true one by a few ulps: keep a margin.
            const double reach = (double)r * width;
            if (nd[k - 1] < (float)(reach * reach * (1.0 - 1e-9))) break;
        }
    }
}

// MARK: perplexity calibration

/// Fills p (k) with exp(-beta (d - dmin)) normalised, returns its entropy in nats.
static double conditional_row(double *restrict p, const float *restrict d, int64_t k, double dmin, double beta) {
    double sum = 0.0, weighted = 0.0;
    for (int64_t j = 0; j < k; j++) {
        const double shifted = (double)d[j] - dmin;
        p[j] = exp(-beta * shifted);
        sum += p[j];
        weighted += shifted * p[j];
    }
    for (int64_t j = 0; j < k; j++) p[j] /= sum;
    // H = -sum p log p = log(sum) + beta * sum(shifted * p)
    return log(sum) + beta * weighted / sum;
}

/// Bisection on beta for one row; returns 1 when the entropy is within tol of the target.
static int calibrate_row(double *restrict p, double *beta_out, const float *restrict d, int64_t k,
                         double target, double tol, int64_t max_iter) {
    double dmin = INFINITY;
    for (int64_t j = 0; j < k; j++) dmin = fmin(dmin, (double)d[j]);
    double beta = 1.0, lo = 0.0, hi = INFINITY;
    int converged = 0;
    for (int64_t it = 0; it < max_iter; it++) {
        const double h = conditional_row(p, d, k, dmin, beta);
        if (fabs(h - target) < tol) { converged = 1; break; }
        if (h > target) {  // too flat: sharpen
            lo = beta;
            beta = isinf(hi) ? beta * 2.0 : 0.5 * (beta + hi);
        } else {
            hi = beta;
            beta = 0.5 * (beta + lo);
        }
    }
    if (!converged) (void)conditional_row(p, d, k, dmin, beta);
    if (beta_out) *beta_out = beta;
    return converged;
}

int64_t ck_tsne_calibrate(double *p, double *beta, const float *dist, int64_t n, int64_t k,
                          double perplexity, double tol, int64_t max_iter) {
    const double target = log(perplexity);
    int64_t failures = 0;
    #pragma omp parallel for num_threads(ck_threads_for(n / TSNE_ROWS_PER_PIECE + 1)) schedule(static) reduction(+: failures)
    for (int64_t i = 0; i < n; i++)
        failures += !calibrate_row(p + i * k, beta ? beta + i : NULL, dist + i * k, k, target, tol, max_iter);
    return failures;
}

// MARK: forces

/// Independent partial sums per row in ck_tsne_attractive: they break the chain of dependent additions
/// and let the compiler vectorise the divisions.
#define ATTR_LANES 4

void ck_tsne_attractive(double *attr, const double *y, const int64_t *row_ptr, const int32_t *col,
                        const double *val, int64_t n) {
    #pragma omp parallel for num_threads(ck_threads_for(n / TSNE_ROWS_PER_PIECE + 1)) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        const double xi = y[2 * i], yi = y[2 * i + 1];
        double fx[ATTR_LANES] = { 0.0 }, fy[ATTR_LANES] = { 0.0 };
        int64_t e = row_ptr[i];
        for (; e + ATTR_LANES <= row_ptr[i + 1]; e += ATTR_LANES)
            for (int t = 0; t < ATTR_LANES; t++) {
                const int64_t j = col[e + t];
                const double dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
                const double pw = val[e + t] / (1.0 + dx * dx + dy * dy);
                fx[t] += pw * dx;
                fy[t] += pw * dy;
            }
        for (int t = 0; e < row_ptr[i + 1]; e++, t++) {
            const int64_t j = col[e];
            const double dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
            const double pw = val[e] / (1.0 + dx * dx + dy * dy);
            fx[t] += pw * dx;
            fy[t] += pw * dy;
        }
        attr[2 * i] = (fx[0] + fx[1]) + (fx[2] + fx[3]);
        attr[2 * i + 1] = (fy[0] + fy[1]) + (fy[2] + fy[3]);
    }
}

/// sum of values[0 .. n) in index order (the deterministic total of per-point partial sums).
static double ordered_sum(const double *values, int64_t n) {
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) total += values[i];
    return total;
}

double ck_tsne_repulsive_exact(double *rep, double *row_z, const double *y, int64_t n) {
    #pragma omp parallel for num_threads(ck_threads_for(n / TSNE_ROWS_PER_PIECE + 1)) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        const double xi = y[2 * i], yi = y[2 * i + 1];
        double fx = 0.0, fy = 0.0, z = 0.0;
        for (int64_t j = 0; j < n; j++) {  // j == i adds w = 1 with zero force; removed below
            const double dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
            const double w = 1.0 / (1.0 + dx * dx + dy * dy);
            z += w;
            fx += w * w * dx;
            fy += w * w * dy;
        }
        rep[2 * i] = fx;
        rep[2 * i + 1] = fy;
        row_z[i] = z - 1.0;
    }
    return ordered_sum(row_z, n);
}

// MARK: objective and optimiser

double ck_tsne_kl(double *row_kl, const double *y, const int64_t *row_ptr, const int32_t *col,
                  const double *val, int64_t n, double z) {
    const double log_z = log(z);
    #pragma omp parallel for num_threads(ck_threads_for(n / TSNE_ROWS_PER_PIECE + 1)) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double kl = 0.0;
        for (int64_t e = row_ptr[i]; e < row_ptr[i + 1]; e++) {
            const double p = val[e];
            if (!(p > 0.0)) continue;
            const int64_t j = col[e];
            const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
            // log(p / q) = log p - log w + log Z, with log w = -log(1 + d^2)
            kl += p * (log(p) + log1p(dx * dx + dy * dy) + log_z);
        }
        row_kl[i] = kl;
    }
    return ordered_sum(row_kl, n);
}

void ck_tsne_gd_step(double *y, double *update, double *gains, const double *grad, int64_t count,
                     double learning_rate, double momentum, double min_gain) {
    #pragma omp parallel for num_threads(ck_threads_for(count / CK_CHUNK + 1)) schedule(static)
    for (int64_t i = 0; i < count; i++) {
        double g = update[i] * grad[i] < 0.0 ? gains[i] + 0.2 : gains[i] * 0.8;
        g = g < min_gain ? min_gain : g;
        gains[i] = g;
        update[i] = momentum * update[i] - learning_rate * g * grad[i];
        y[i] += update[i];
    }
}
