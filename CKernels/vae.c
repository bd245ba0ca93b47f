// VAE head: reparameterisation fused with the closed-form KL to N(0, I), forward and backward (see
// include/ck_vae.h). The *_ref functions are the scalar reference and the tail handler of the SIMD variants
// in vae_simd.h. Rows are independent: the parallel loops split the batch into fixed row ranges, each row's
// KL is computed by one thread, and the total adds the rows in order, so nothing depends on the thread count.
#include "vae.h"
#include "include/ck_vae.h"

#include <math.h>

// MARK: scalar reference

double ck_vae_row_forward_ref(float *z, const float *mu, const float *logvar, const float *eps, int64_t n) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const float s = expf(0.5f * logvar[i]);
        z[i] = eps ? fmaf(s, eps[i], mu[i]) : mu[i];
        sum += (double)(0.5f * (fmaf(mu[i], mu[i], s * s) - 1.0f - logvar[i]));
    }
    return sum;
}

void ck_vae_row_backward_ref(float *dmu, float *dlogvar, const float *dz, const float *mu, const float *logvar,
                             const float *eps, int64_t n, float c) {
    for (int64_t i = 0; i < n; i++) {
        const float s = expf(0.5f * logvar[i]);
        dmu[i] = fmaf(c, mu[i], dz[i]);
        const float kl = c * (s * s - 1.0f);
        dlogvar[i] = 0.5f * (eps ? fmaf(dz[i] * eps[i], s, kl) : kl);
    }
}

// MARK: entry points

typedef double (*row_forward_fn)(float *, const float *, const float *, const float *, int64_t);
typedef void (*row_backward_fn)(float *, float *, const float *, const float *, const float *, const float *,
                                int64_t, float);

/// Threads for `batch` rows of `latent` elements: one thread per CK_CHUNK elements' worth of rows.
static int row_threads(int64_t batch, int64_t latent) {
    const int64_t rows_per_chunk = CK_MAX((int64_t)1, CK_CHUNK / CK_MAX(latent, (int64_t)1));
    return ck_threads_for((batch + rows_per_chunk - 1) / rows_per_chunk);
}

double ck_vae_forward(float *z, float *kl_rows, const float *h, const float *eps, int64_t batch, int64_t latent) {
    const row_forward_fn f = CK_PICK(row_forward_fn, ck_vae_row_forward);
    CK_PARALLEL_FOR(row_threads(batch, latent), b, batch) {
        const float *mu = h + b * 2 * latent;
        kl_rows[b] = (float)f(z + b * latent, mu, mu + latent, eps ? eps + b * latent : NULL, latent);
    }
    double total = 0.0;
    for (int64_t b = 0; b < batch; b++) total += (double)kl_rows[b];
    return total;
}

void ck_vae_backward(float *dh, const float *dz, const float *h, const float *eps, int64_t batch, int64_t latent,
                     float kl_scale) {
    const row_backward_fn f = CK_PICK(row_backward_fn, ck_vae_row_backward);
    CK_PARALLEL_FOR(row_threads(batch, latent), b, batch) {
        const float *mu = h + b * 2 * latent;
        float *dmu = dh + b * 2 * latent;
        f(dmu, dmu + latent, dz + b * latent, mu, mu + latent, eps ? eps + b * latent : NULL, latent, kl_scale);
    }
}
