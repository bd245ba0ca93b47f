// t-SNE kernels: exact nearest neighbours from GEMM dot products, perplexity calibration, the attractive and
// repulsive forces of the KL gradient (exact O(N^2), Barnes-Hut and FFT interpolation), the KL divergence
// and the gradient-descent step with gains. Embeddings are 2-D, double, row-major (n, 2).
//
// Definitions (w_ij = 1 / (1 + |y_i - y_j|^2), Z = sum_{i != j} w_ij, q_ij = w_ij / Z):
//   KL(P || Q) = sum_ij p_ij log(p_ij / q_ij)
//   dKL/dy_i   = 4 (sum_j p_ij w_ij (y_i - y_j) - sum_j w_ij^2 (y_i - y_j) / Z) = 4 (attr_i - rep_i / Z)
// Every kernel writes per-point results independently and adds per-point partial sums in index order, so
// results are bitwise identical for any thread count. Nothing here allocates; scratch comes from the caller.
#ifndef CK_TSNE_H
#define CK_TSNE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// k nearest neighbours of the rows [row0, row0 + rows) of X, updated with the candidates [col0, col0 + cols)
/// from their dot products; call for consecutive column tiles covering all rows of X, col0 = 0 first (it
/// starts the lists afresh).
///   idx, dist (rows, k) in/out: neighbour indices and squared distances, ascending (ties: lower index
///   first); the point itself is excluded. dots (rows, cols) = X[row0 : row0 + rows] X[col0 : col0 + cols]^T;
///   sqnorms (all rows of X) = |x_j|^2.
/// Squared distances |x_i|^2 + |x_j|^2 - 2 x_i.x_j are clamped at 0. Requires 1 <= k < rows of X.
void ck_tsne_knn_block(int32_t *idx, float *dist, const float *dots, const float *sqnorms,
                       int64_t row0, int64_t rows, int64_t col0, int64_t cols, int64_t k);

/// k nearest neighbours of every row of a low-dimensional point set, by direct distances (O(n^2 dim)).
///   idx, dist (n, k) outputs as in ck_tsne_knn_block; points (n, dim). Requires 1 <= k < n.
void ck_tsne_knn_direct(int32_t *idx, float *dist, const double *points, int64_t n, int64_t dim, int64_t k);

/// k nearest neighbours of every row of a 2-D point set, exactly as ck_tsne_knn_direct (the same
/// ranking: distance, then index), found by searching rings of grid cells outward: O(n k) for points
/// that spread over the plane, O(n^2) at worst (all in one cell).
///   idx, dist (n, k) outputs; workspace: ck_tsne_knn_grid_workspace(n) int32; points (n, 2).
void ck_tsne_knn_grid(int32_t *idx, float *dist, int32_t *workspace, const double *points, int64_t n, int64_t k);
int64_t ck_tsne_knn_grid_workspace(int64_t n);

/// Sorts 2-D points into a side x side grid of square cells of `width` from (lo_x, lo_y), x-major: cell
/// (n) output, cell of each point (cx side + cy, the last cell taking the far edge); order (n), the points
/// cell by cell, in index order within a cell; start (side^2 + 1), where each cell's run begins in order.
/// The shared first step of the grid searches (ck_tsne_knn_grid, ck_tsne_repulsive_fft).
void ck_tsne_grid_sort(int32_t *cell, int32_t *order, int32_t *start, const double *points, int64_t n,
                       double lo_x, double lo_y, double width, int64_t side);

/// Perplexity calibration: for each row i, finds beta_i by bisection so that the conditional distribution
/// p_{j|i} = exp(-beta_i d_ij) / sum_j exp(-beta_i d_ij) over its k neighbours has entropy log(perplexity)
/// (nats) within `tol`, in at most `max_iter` steps.
///   p (n, k) output; beta (n) output (may be NULL); dist (n, k) squared distances (ascending not required).
/// Returns the number of rows that did not reach the tolerance (their p is the best found).
int64_t ck_tsne_calibrate(double *p, double *beta, const float *dist, int64_t n, int64_t k,
                          double perplexity, double tol, int64_t max_iter);

/// Attractive forces: attr_i = sum_j p_ij w_ij (y_i - y_j) over the nonzeros of P (CSR).
///   attr (n, 2) overwritten; y (n, 2); row_ptr (n + 1); col, val (nnz).
void ck_tsne_attractive(double *attr, const double *y, const int64_t *row_ptr, const int32_t *col,
                        const double *val, int64_t n);

/// Exact repulsive forces: rep_i = sum_{j != i} w_ij^2 (y_i - y_j), row_z[i] = sum_{j != i} w_ij.
///   rep (n, 2), row_z (n) overwritten; y (n, 2). Returns Z = sum_i row_z[i] (in index order).
double ck_tsne_repulsive_exact(double *rep, double *row_z, const double *y, int64_t n);

/// One cell of the Barnes-Hut quadtree. A leaf holds one point (`point`), or several that coincide or sit
/// at the maximum depth; an internal node has four children at first_child .. first_child + 3.
typedef struct ck_tsne_node {
    double com_x, com_y;        // centre of mass of the points below
    double center_x, center_y;  // cell centre
    double half;                // half the cell side
    int64_t count;              // points below
    int32_t first_child;        // -1 for a leaf
    int32_t point;              // a point of the leaf (-1 if empty or internal)
} ck_tsne_node;

/// Builds the quadtree of y (n, 2) into nodes[0 .. capacity). Returns the number of nodes used, or -1 when
/// `capacity` is too small (call again with more; 4 n + 1 is always enough for distinct points, far more
/// for near-duplicates: retry doubling). Serial, so the tree does not depend on the thread count.
int64_t ck_tsne_bh_build(ck_tsne_node *nodes, int64_t capacity, const double *y, int64_t n);

/// Barnes-Hut estimate of the repulsive forces: as ck_tsne_repulsive_exact, but a cell of side s whose
/// centre of mass is at distance r from y_i with s / r < theta counts as `count` points at its centre of mass.
/// theta = 0 is exact (up to the order of summation). Returns the estimate of Z.
double ck_tsne_repulsive_bh(double *rep, double *row_z, const ck_tsne_node *nodes, const double *y,
                            int64_t n, double theta);

/// FFT-accelerated interpolation (FIt-SNE, Linderman et al. 2019) of the repulsive forces: as
/// ck_tsne_repulsive_exact, with the kernel sums interpolated through 3 x 3 Lagrange nodes per box on a
/// boxes x boxes grid over the bounding square of y and convolved by FFT. Returns the estimate of Z.
///   workspace: ck_tsne_fft_workspace(n, boxes, &ints) doubles; ints: that many int32 (both overwritten).
/// The workspace depends on ck_threads(): ask again after changing the thread count.
double ck_tsne_repulsive_fft(double *rep, double *row_z, double *workspace, int32_t *ints, const double *y,
                             int64_t n, int64_t boxes);

/// Boxes per side for y (n, 2) as openTSNE chooses them: at least `min_boxes`, and enough that a box is at
/// most 1 wide (the kernel's length scale), rounded up to 2^a 3^b 5^c for the FFT; at most 400 (wider
/// boxes beyond that, to bound memory).
int64_t ck_tsne_fft_boxes(const double *y, int64_t n, int64_t min_boxes);

/// Doubles of workspace ck_tsne_repulsive_fft needs for n points and `boxes`; *ints receives the int32 count.
int64_t ck_tsne_fft_workspace(int64_t n, int64_t boxes, int64_t *ints);

/// 1 when ck_tsne_fft_rows handles length m (m = 2^a 3^b 5^c >= 1), else 0.
int64_t ck_tsne_fft_supported(int64_t m);

/// Doubles of workspace ck_tsne_fft_rows needs for length m.
int64_t ck_tsne_fft_rows_workspace(int64_t m);

/// In-place DFT of each row of the complex array (re, im) (rows, m): X_k = sum_j x_j exp(-+ 2 pi i j k / m),
/// minus sign forward (inverse = 0), plus sign and no 1/m scaling for inverse != 0. Returns -1 (nothing
/// done) when m is not 2^a 3^b 5^c. workspace: ck_tsne_fft_rows_workspace(m) doubles.
int ck_tsne_fft_rows(double *re, double *im, double *workspace, int64_t m, int64_t rows, int inverse);

/// KL(P || Q) with Q from y and normaliser z (exact or Barnes-Hut); P in CSR, summing to 1.
///   row_kl (n) scratch (overwritten with per-row terms). Zero entries of P contribute nothing.
double ck_tsne_kl(double *row_kl, const double *y, const int64_t *row_ptr, const int32_t *col,
                  const double *val, int64_t n, double z);

/// Gradient descent with momentum and gains (Jacobs 1988, as in bhtsne and openTSNE), per element:
///   gains = update * grad < 0 ? gains + 0.2 : gains * 0.8, then at least min_gain;
///   update = momentum * update - learning_rate * gains * grad;  y += update.
/// y, update, gains (count) updated in place; grad (count).
void ck_tsne_gd_step(double *y, double *update, double *gains, const double *grad, int64_t count,
                     double learning_rate, double momentum, double min_gain);

#ifdef __cplusplus
}
#endif
#endif
