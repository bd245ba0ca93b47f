// CKernels: the native float32 kernels behind the `Kernels` Swift module.
//
// This header is an implementation detail of the package and has no stable API. Conventions, everywhere:
//   - float32, row-major, tensors in NCHW; sizes are int64_t; outputs first, then inputs, then sizes;
//   - C never allocates in a hot path, never prints, never exits: scratch memory comes from the caller;
//   - backward passes overwrite their outputs unless a comment says they accumulate;
//   - results are bitwise reproducible for a fixed ISA and thread count (no racy float reductions).
#ifndef CKERNELS_H
#define CKERNELS_H

#include "ck_dispatch.h"
#include "ck_gemm.h"
#include "ck_elementwise.h"
#include "ck_random.h"
#include "ck_loss.h"
#include "ck_optim.h"
#include "ck_conv.h"
#include "ck_tsne.h"
#include "ck_vae.h"
#include "ck_norm.h"
#include "ck_spectral_norm.h"

#endif
