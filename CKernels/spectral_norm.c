// Spectral normalisation, forward and backward (see include/ck_spectral_norm.h). The weights it normalises are a
// discriminator's: at most a few hundred thousand values, two matrix-vector products and one scaling per step, a
// few microseconds against the milliseconds of the convolutions they feed. So there is one plain path for every
// ISA, single-threaded, with double sums in a fixed order, and no dispatch.
#include "include/ck_spectral_norm.h"

#include <math.h>

static const double ck_sn_floor = 1e-12;

/// Σ a[k] b[k] in double over 8 interleaved partial sums (k mod 8), added in lane order at the end: a fixed order,
/// so the same bits everywhere, and 8 independent chains instead of one long dependency.
static double dot_f64(const float *a, const float *b, int64_t n) {
    double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t k = 0;
    for (; k + 8 <= n; k += 8) {
        for (int l = 0; l < 8; l++) lane[l] += (double)a[k + l] * b[k + l];
    }
    for (; k < n; k++) lane[k & 7] += (double)a[k] * b[k];
    double sum = 0.0;
    for (int l = 0; l < 8; l++) sum += lane[l];
    return sum;
}

float ck_spectral_norm_forward(float *w_sn, float *u, float *v, const float *w, int64_t rows, int64_t cols,
                               int update_u) {
    // v = Wᵀu, accumulated row by row so W is read in storage order.
    for (int64_t j = 0; j < cols; j++) v[j] = 0.0f;
    for (int64_t i = 0; i < rows; i++) {
        const float ui = u[i];
        const float *wi = w + i * cols;
        for (int64_t j = 0; j < cols; j++) v[j] += ui * wi[j];
    }
    const double vv = dot_f64(v, v, cols);
    const float inv_v = (float)(1.0 / fmax(sqrt(vv), ck_sn_floor));
    for (int64_t j = 0; j < cols; j++) v[j] *= inv_v;

    // t = W v; σ = ‖t‖; u = t / σ.
    double tt = 0.0;
    for (int64_t i = 0; i < rows; i++) {
        const double t = dot_f64(w + i * cols, v, cols);
        tt += t * t;
        if (update_u) u[i] = (float)t;  // scaled below, once σ is known
    }
    const double sigma = fmax(sqrt(tt), ck_sn_floor);
    if (update_u) {
        for (int64_t i = 0; i < rows; i++) u[i] = (float)(u[i] / sigma);
    }
    const float s = (float)sigma;
    for (int64_t k = 0; k < rows * cols; k++) w_sn[k] = w[k] / s;
    return s;
}

void ck_spectral_norm_backward(float *grad, const float *w_sn, const float *u, const float *v, float sigma,
                               int64_t rows, int64_t cols) {
    const float c = (float)dot_f64(grad, w_sn, rows * cols), inv_sigma = 1.0f / sigma;
    for (int64_t i = 0; i < rows; i++) {
        const float cu = c * u[i];
        float *gi = grad + i * cols;
        for (int64_t j = 0; j < cols; j++) gi[j] = (gi[j] - cu * v[j]) * inv_sigma;
    }
}
