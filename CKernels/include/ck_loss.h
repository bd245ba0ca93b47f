// Losses with their gradients. Reductions are done in double over fixed-size chunks whose partial sums are
// added in order, so a loss is bitwise identical for any thread count. `grad` may be NULL (loss only);
// otherwise it is overwritten with d(loss)/d(input) scaled by `grad_scale` (pass 1 normally).
#ifndef CK_LOSS_H
#define CK_LOSS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// mean over n of (y - t)^2; grad = grad_scale * 2 (y - t) / n.
float ck_mse_loss(float *grad, const float *y, const float *t, int64_t n, float grad_scale);

/// Per-sample mean squared error: out[b] = mean over d of (y[b,d] - t[b,d])^2; y, t (batch, dim).
/// PSNR of sample b for images in [0, 1] is 10 log10(1 / out[b]).
void ck_mse_per_sample(float *out, const float *y, const float *t, int64_t batch, int64_t dim);

/// Binary cross-entropy on probabilities p in [0, 1]: mean of -(t log p + (1 - t) log(1 - p)), with p
/// clamped to [eps, 1 - eps], eps = 1e-7. grad = grad_scale * (p - t) / (p (1 - p)) / n on the clamped p.
float ck_bce_loss(float *grad, const float *p, const float *t, int64_t n, float grad_scale);

/// Binary cross-entropy on logits z, stable form: mean of max(z, 0) - z t + log(1 + exp(-|z|)).
/// grad = grad_scale * (sigmoid(z) - t) / n.
float ck_bce_logits_loss(float *grad, const float *z, const float *t, int64_t n, float grad_scale);

/// GAN hinge loss of the discriminator (Lim & Ye 2017, Miyato et al. 2018) on logits z with targets t = +1 (real)
/// or -1 (fake): mean of max(0, 1 - t z); grad = grad_scale * (-t) / n where 1 - t z > 0, else 0 (the
/// subgradient 0 at the kink). Scalar only and serial: a GAN has one logit per image.
float ck_hinge_loss(float *grad, const float *z, const float *t, int64_t n, float grad_scale);

/// The hinge objective's generator loss: -mean(z) over the logits D gives the fakes; grad = -grad_scale / n.
float ck_hinge_generator_loss(float *grad, const float *z, int64_t n, float grad_scale);

/// Fused softmax + cross-entropy: logits (batch, classes), labels (batch) in [0, classes).
/// Returns mean over the batch of -log softmax(logits)[label]; probs (batch, classes) or NULL receives the
/// softmax; grad = grad_scale * (softmax - onehot) / batch. Returns NaN if a label is out of range.
float ck_softmax_cross_entropy(float *grad, float *probs, const float *logits, const int32_t *labels,
                               int64_t batch, int64_t classes, float grad_scale);

/// L1 penalty lambda * sum |z|; ACCUMULATES lambda * sign(z) into grad (grad may be NULL). sign(0) = 0.
float ck_l1_penalty(float *grad, const float *z, int64_t n, float lambda);

#ifdef __cplusplus
}
#endif
#endif
