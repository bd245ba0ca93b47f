// Instantiates every SIMD kernel body for neon: the one translation unit per ISA (see ck_internal.h).
// Only this file is compiled with neon code generation, through a target attribute on each function,
// so the rest of the library runs on any CPU of the architecture.
#include "ck_internal.h"
#include "elementwise.h"
#include "gemm.h"
#include "loss.h"
#include "optim.h"
#include "conv.h"
#if CK_ARCH_ARM64
#include "simd/simd_neon.h"
#include "simd/simd_math.h"

#include "elementwise_simd.h"
#include "gemm_simd.h"
#include "loss_simd.h"
#include "optim_simd.h"
#include "conv_simd.h"
#include "conv_winograd_simd.h"
#include "conv_polyphase_simd.h"
#include "random_simd.h"
#include "vae_simd.h"
#include "norm_simd.h"
#endif
