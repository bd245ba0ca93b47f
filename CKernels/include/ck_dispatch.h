// Run-time ISA selection and thread control.
//
// The ISA is picked once, on first use, from cpuid + XGETBV (x86) or the architecture (ARM): the best one the
// CPU and OS support, unless the environment variable AE_ISA=avx512|avx2|neon|scalar forces one. Tests and
// benchmarks switch paths in-process with ck_isa_force. The thread count starts at OMP_NUM_THREADS (or the
// number of processors) and is changed with ck_set_threads.
#ifndef CK_DISPATCH_H
#define CK_DISPATCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ck_isa {
    CK_ISA_SCALAR = 0,
    CK_ISA_AVX2 = 1,    // AVX2 + FMA
    CK_ISA_AVX512 = 2,  // AVX-512 F/DQ/BW/VL
    CK_ISA_NEON = 3,    // AArch64 Advanced SIMD
    CK_ISA_COUNT = 4
} ck_isa;

/// 1 when this CPU and OS can run `isa`, else 0.
int ck_isa_supported(ck_isa isa);
/// The best ISA this machine supports (ignores AE_ISA).
ck_isa ck_isa_best(void);
/// The ISA the kernels use now: AE_ISA if set and supported, else the best.
ck_isa ck_isa_active(void);
/// Forces `isa` for every later kernel call. Returns 0, or -1 (nothing changed) when it is not supported.
/// Not thread-safe with respect to kernels running concurrently: call it between kernel calls.
int ck_isa_force(ck_isa isa);
/// "scalar", "avx2", "avx512", "neon"; NULL for an out-of-range value.
const char *ck_isa_name(ck_isa isa);
/// Parses one of the names above (case-insensitive). Returns -1 for anything else.
int ck_isa_parse(const char *name);
/// Value of AE_ISA that could not be honoured (unknown name or unsupported ISA), or NULL.
const char *ck_isa_rejected_request(void);

/// Threads the kernels may use (>= 1).
int ck_threads(void);
/// Sets the kernel thread count; values < 1 mean 1.
void ck_set_threads(int n);
/// 1 when the kernels were built with OpenMP, else 0 (then ck_threads() is always 1).
int ck_openmp_enabled(void);
/// Number of processors the OpenMP runtime sees (1 without OpenMP).
int ck_processors(void);

/// For tests of the kernels' work sharing (ck_internal.h, ck_split): runs `count` iterations on up to `threads`
/// threads as the kernels' parallel loops do, the owner of the first range sleeping `delay_us` microseconds in
/// each of its iterations, so the other threads finish early and take over its remaining ones. hits[i] counts
/// how often iteration i ran and runner[i] is the thread that ran it (both arrays of `count`, set here).
void ck_split_trace(int threads, int64_t count, int delay_us, int32_t *hits, int32_t *runner);

#ifdef __cplusplus
}
#endif
#endif
