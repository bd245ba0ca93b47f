// Spectral normalisation (Miyato et al. 2018) of a weight read as a rows × cols matrix W (a Linear's out × in, a
// convolution's cout × cin·k·k): W_sn = W / σ, σ ≈ the largest singular value of W, estimated by one step of power
// iteration per training forward from the left singular vector u kept between calls.
#ifndef CK_SPECTRAL_NORM_H
#define CK_SPECTRAL_NORM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Forward. v = Wᵀu / ‖Wᵀu‖, t = W v, σ = ‖t‖ (norms floored at 1e-12), w_sn = w / σ; with `update_u` (training)
/// u ← t / σ, the estimate the next call starts from and the backward needs. v (cols) is written; u (rows) is read,
/// and written only with update_u. Returns σ. Sums in double, in index order: the same bits on every ISA and
/// thread count.
float ck_spectral_norm_forward(float *w_sn, float *u, float *v, const float *w, int64_t rows, int64_t cols,
                               int update_u);

/// Backward through w_sn = w / σ with u and v held constant (as in the paper and PyTorch), IN PLACE: grad holds
/// dL/dw_sn on entry and dL/dw = (g − ⟨g, w_sn⟩ u vᵀ) / σ on return. u, v, σ and w_sn are those of a forward with
/// update_u set.
void ck_spectral_norm_backward(float *grad, const float *w_sn, const float *u, const float *v, float sigma,
                               int64_t rows, int64_t cols);

#ifdef __cplusplus
}
#endif
#endif
