// Batch normalisation (Ioffe & Szegedy 2015) of an NCHW tensor per channel over (N, H, W), forward and backward.
// x is read as (batch, channels, plane) with plane = H*W; batch norm 1d over a (batch, features) matrix is
// plane = 1. Training mode normalises each group of `group` consecutive samples with its own statistics (group >=
// batch: the whole batch, as usual), so a discriminator that sees a real and a fake half in one batch normalises
// them apart, as if they had been two batches. mean/invstd hold one value per (group, channel), groups first.
#ifndef CK_NORM_H
#define CK_NORM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Number of normalisation groups of a batch: ceil(batch / group) (1 when group >= batch).
int64_t ck_batchnorm_groups(int64_t batch, int64_t group);

/// Training forward. For each group g and channel c, over its m = samples * plane values:
///   mean = Σ x / m,  var = Σ (x − mean)² / m (biased, sums in double),  invstd = 1 / sqrt(var + eps),
///   y = gamma (x − mean) invstd + beta.
/// mean and invstd (groups × channels) are saved for the backward. When running_mean / running_var are not NULL,
/// each group updates them in group order as a separate batch would: r ← (1 − momentum) r + momentum s, with the
/// unbiased variance var · m / (m − 1) for running_var (var itself when m = 1).
void ck_batchnorm_forward_train(float *y, float *mean, float *invstd, float *running_mean, float *running_var,
                                const float *x, const float *gamma, const float *beta, int64_t batch, int64_t channels,
                                int64_t plane, int64_t group, float eps, float momentum);

/// Evaluation forward with the running statistics: y = gamma (x − running_mean) / sqrt(running_var + eps) + beta.
void ck_batchnorm_forward_eval(float *y, const float *x, const float *gamma, const float *beta,
                               const float *running_mean, const float *running_var, int64_t batch, int64_t channels,
                               int64_t plane, float eps);

/// Backward of the training forward, with x, mean and invstd of that forward (x̂ is recomputed, not stored).
/// OVERWRITES dgamma = Σ dy x̂ and dbeta = Σ dy (channels; summed over groups in group order) and, unless dx is
/// NULL, dx = gamma invstd (dy − mean_g(dy) − x̂ mean_g(dy x̂)) with the means over each group's m values.
void ck_batchnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                           const float *invstd, const float *gamma, int64_t batch, int64_t channels, int64_t plane,
                           int64_t group);

/// The three calls above for channels-last tensors, (batch, plane, channels), with the same parameters and results
/// (up to the order of the double-precision sums).
void ck_batchnorm_forward_train_nhwc(float *y, float *mean, float *invstd, float *running_mean, float *running_var,
                                     const float *x, const float *gamma, const float *beta, int64_t batch, int64_t channels,
                                     int64_t plane, int64_t group, float eps, float momentum);
void ck_batchnorm_forward_eval_nhwc(float *y, const float *x, const float *gamma, const float *beta,
                                    const float *running_mean, const float *running_var, int64_t batch, int64_t channels,
                                    int64_t plane, float eps);
void ck_batchnorm_backward_nhwc(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                                const float *invstd, const float *gamma, int64_t batch, int64_t channels, int64_t plane,
                                int64_t group);

#ifdef __cplusplus
}
#endif
#endif
