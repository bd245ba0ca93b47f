// The one place that decides which instruction set the kernels use, and how many threads.
#include "ck_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if CK_ARCH_X86
#include <cpuid.h>

// XCR0 through XGETBV, without needing the xsave target feature on this function.
static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static int x86_supports(ck_isa isa) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const int osxsave = (ecx >> 27) & 1, fma = (ecx >> 12) & 1, avx = (ecx >> 28) & 1;
    if (!osxsave || !avx || !fma) return 0;
    const uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0;  // the OS saves XMM and YMM state
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    const int avx2 = (ebx >> 5) & 1;
    if (isa == CK_ISA_AVX2) return avx2;
    if (isa == CK_ISA_AVX512) {
        const int f = (ebx >> 16) & 1, dq = (ebx >> 17) & 1, bw = (ebx >> 30) & 1, vl = (ebx >> 31) & 1;
        const int os_zmm = (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM0-15 upper halves, ZMM16-31
        return avx2 && f && dq && bw && vl && os_zmm;
    }
    return 0;
}
#endif

int ck_isa_supported(ck_isa isa) {
    switch (isa) {
    case CK_ISA_SCALAR: return 1;
#if CK_ARCH_X86
    case CK_ISA_AVX2:
    case CK_ISA_AVX512: return x86_supports(isa);
#endif
#if CK_ARCH_ARM64
    case CK_ISA_NEON: return 1;  // Advanced SIMD is mandatory on AArch64
#endif
    default: return 0;
    }
}

ck_isa ck_isa_best(void) {
    static const ck_isa preference[] = {CK_ISA_AVX512, CK_ISA_AVX2, CK_ISA_NEON};
    for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++)
        if (ck_isa_supported(preference[i])) return preference[i];
    return CK_ISA_SCALAR;
}

static const char *const isa_names[CK_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon"};

const char *ck_isa_name(ck_isa isa) {
    return (isa >= 0 && isa < CK_ISA_COUNT) ? isa_names[isa] : NULL;
}

int ck_isa_parse(const char *name) {
    if (!name) return -1;
    for (int i = 0; i < CK_ISA_COUNT; i++) {
        const char *a = name, *b = isa_names[i];
        while (*a && *b && tolower((unsigned char)*a) == *b) { a++; b++; }
        if (!*a && !*b) return i;
    }
    return -1;
}

// -1 = not yet decided. Written once at first use (racing initialisers compute the same value).
static volatile int active_isa = -1;
static const char *rejected_request = NULL;

ck_isa ck_isa_active(void) {
    int isa = active_isa;
    if (isa >= 0) return (ck_isa)isa;
    isa = ck_isa_best();
    const char *request = getenv("AE_ISA");
    if (request && *request) {
        const int wanted = ck_isa_parse(request);
        if (wanted >= 0 && ck_isa_supported((ck_isa)wanted)) isa = wanted;
        else rejected_request = request;
    }
    active_isa = isa;
    return (ck_isa)isa;
}

int ck_isa_force(ck_isa isa) {
    if (isa < 0 || isa >= CK_ISA_COUNT || !ck_isa_supported(isa)) return -1;
    active_isa = isa;
    return 0;
}

const char *ck_isa_rejected_request(void) {
    (void)ck_isa_active();
    return rejected_request;
}

// 0 = not yet decided.
static volatile int thread_count = 0;

int ck_threads(void) {
    int t = thread_count;
    if (t > 0) return t;
#ifdef _OPENMP
    t = omp_get_max_threads();  // honours OMP_NUM_THREADS, else the processor count
#else
    t = 1;
#endif
    thread_count = t < 1 ? 1 : t;
    return thread_count;
}

void ck_set_threads(int n) {
#ifdef _OPENMP
    thread_count = n < 1 ? 1 : n;
#else
    (void)n;
    thread_count = 1;
#endif
}

int ck_openmp_enabled(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

int ck_processors(void) {
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

void ck_split_trace(int threads, int64_t count, int delay_us, int32_t *hits, int32_t *runner) {
    for (int64_t i = 0; i < count; i++) hits[i] = 0, runner[i] = -1;
    const int64_t first_range_end = count / CK_MAX(1, CK_MIN(threads, CK_SPLIT_MAX));
    CK_PARALLEL_FOR(threads, i, count) {
        const int t = ck_thread_id();
        if (t == 0 && i < first_range_end && delay_us > 0) usleep((useconds_t)delay_us);
        __atomic_fetch_add(&hits[i], 1, __ATOMIC_RELAXED);
        runner[i] = t;
    }
}
