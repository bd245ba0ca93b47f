// Instantiates every SIMD kernel body for avx2: the one translation unit per ISA (see ck_internal.h).
// Only this file is compiled with avx2 code generation, through a target attribute on each function,
// so the rest of the library runs on any CPU of the architecture.
#include "ck_internal.h"
#include "elementwise.h"
#include "gemm.h"
#include "loss.h"
#include "optim.h"
#include "conv.h"
#if CK_ARCH_X86
#include <immintrin.h>
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,bmi2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,bmi2")
#endif
#include "simd/simd_avx2.h"
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

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
