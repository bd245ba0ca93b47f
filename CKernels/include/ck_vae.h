// Variational autoencoder head: the reparameterisation z = mu + sigma * eps fused with the closed-form
// KL(N(mu, sigma^2) || N(0, I)), forward and backward. One row of h holds the encoder's 2 * latent outputs,
// mu first, then log sigma^2:  h (batch, 2 * latent) = [mu (latent) | logvar (latent)] per row.
#ifndef CK_VAE_H
#define CK_VAE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Forward. sigma = exp(logvar / 2), computed once per element; sigma^2 stands for exp(logvar).
///   z (batch, latent)   = mu + sigma * eps, or z = mu when eps is NULL (evaluation: the mean code);
///   kl_rows (batch)     = per row 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - logvar_j) (terms in float, summed in
///                         double, stored as float); required;
///   eps (batch, latent) standard-normal noise, or NULL for eps = 0.
/// Returns sum over rows of kl_rows, added in row order in double (the same for any thread count).
double ck_vae_forward(float *z, float *kl_rows, const float *h, const float *eps, int64_t batch, int64_t latent);

/// Backward of  L = <dz, z> + kl_scale * sum_rows KL,  OVERWRITING dh (batch, 2 * latent):
///   dmu     = dz + kl_scale * mu
///   dlogvar = 1/2 (dz * eps * sigma + kl_scale * (sigma^2 - 1))
/// dz (batch, latent) is required; eps must be the forward's (NULL for eps = 0). Typical kl_scale = beta / batch.
void ck_vae_backward(float *dh, const float *dz, const float *h, const float *eps, int64_t batch, int64_t latent,
                     float kl_scale);

#ifdef __cplusplus
}
#endif
#endif
