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

/// Inserts (j, d) into the ascending list (idx, dist) of length k whose last entry is worse than d.
/// Equal distances keep the earlier index first (candidates arrive in index order).
static inline void insert_sorted(int32_t *restrict idx, float *restrict dist, int64_t k, int32_t j, float d) {
    int64_t p = k - 1;
    while (p > 0 && dist[p - 1] > d) {
        dist[p] = dist[p - 1];
        idx[p] = idx[p - 1];
        p--;
    }
    dist[p] = d;
    idx[p] = j;
}

static inline void reset_list(int32_t *idx, float *dist, int64_t k) {
    for (int64_t m = 0; m < k; m++) { idx[m] = -1; dist[m] = INFINITY; }
}

void ck_tsne_knn_block(int32_t *idx, float *dist, const float *dots, const float *sqnorms,
                       int64_t row0, int64_t rows, int64_t n, int64_t k) {
    #pragma omp parallel for num_threads(ck_threads_for(rows / 8 + 1)) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const int64_t i = row0 + r;
        const float *restrict dot = dots + r * n;
        int32_t *restrict ni = idx + r * k;
        float *restrict nd = dist + r * k;
        reset_list(ni, nd, k);
        const float si = sqnorms[i];
        for (int64_t j = 0; j < n; j++) {
            float d = si + sqnorms[j] - 2.0f * dot[j];
            d = d > 0.0f ? d : 0.0f;
            if (d < nd[k - 1] && j != i) insert_sorted(ni, nd, k, (int32_t)j, d);
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

void ck_tsne_attractive(double *attr, const double *y, const int64_t *row_ptr, const int32_t *col,
                        const double *val, int64_t n) {
    #pragma omp parallel for num_threads(ck_threads_for(n / TSNE_ROWS_PER_PIECE + 1)) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        const double xi = y[2 * i], yi = y[2 * i + 1];
        double fx = 0.0, fy = 0.0;
        for (int64_t e = row_ptr[i]; e < row_ptr[i + 1]; e++) {
            const int64_t j = col[e];
            const double dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
            const double pw = val[e] / (1.0 + dx * dx + dy * dy);
            fx += pw * dx;
            fy += pw * dy;
        }
        attr[2 * i] = fx;
        attr[2 * i + 1] = fy;
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
