// Per-ISA variants of the VAE head (internal); see elementwise.h for the pattern. Each variant handles one
// row: `n` = latent, mu and logvar point into that row of h, eps may be NULL (eps = 0).
#ifndef CK_VAE_INTERNAL_H
#define CK_VAE_INTERNAL_H
#include "ck_internal.h"

#define CK_VAE_VARIANTS(X)                                                                                   \
    /* z = mu + sigma eps; returns the row's sum of KL terms 1/2 (mu^2 + sigma^2 - 1 - logvar) in double */ \
    X(double, ck_vae_row_forward, (float *z, const float *mu, const float *logvar, const float *eps, int64_t n)) \
    /* dmu = dz + c mu; dlogvar = 1/2 (dz eps sigma + c (sigma^2 - 1)) */                                  \
    X(void, ck_vae_row_backward, (float *dmu, float *dlogvar, const float *dz, const float *mu,             \
                                  const float *logvar, const float *eps, int64_t n, float c))

#define CK_DECLARE_REF_AND_ISA(ret, name, args) ret name##_ref args; CK_ISA_PROTOS(ret, name, args)
CK_VAE_VARIANTS(CK_DECLARE_REF_AND_ISA)
#undef CK_DECLARE_REF_AND_ISA

#endif
