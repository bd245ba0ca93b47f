// Internal helpers shared by the kernel families: architecture flags, per-ISA prototypes, and the
// deterministic parallel loop over fixed-size chunks.
#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "include/ck_dispatch.h"

#if defined(__x86_64__) || defined(_M_X64)
#define CK_ARCH_X86 1
#else
#define CK_ARCH_X86 0
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
#define CK_ARCH_ARM64 1
#else
#define CK_ARCH_ARM64 0
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

#define CK_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CK_MAX(a, b) ((a) > (b) ? (a) : (b))
#define CK_RESTRICT __restrict

/// Declares name_avx2, name_avx512 and name_neon with one signature (only the ones this architecture
/// builds are ever referenced).
#define CK_ISA_PROTOS(ret, name, args) \
    ret name##_avx2 args;              \
    ret name##_avx512 args;            \
    ret name##_neon args;

/// Fills a per-ISA table from the _ref / _avx2 / _avx512 / _neon variants of one function.
#if CK_ARCH_X86
#define CK_ISA_TABLE(name) { [CK_ISA_SCALAR] = name##_ref, [CK_ISA_AVX2] = name##_avx2, \
                             [CK_ISA_AVX512] = name##_avx512, [CK_ISA_NEON] = name##_ref }
#elif CK_ARCH_ARM64
#define CK_ISA_TABLE(name) { [CK_ISA_SCALAR] = name##_ref, [CK_ISA_AVX2] = name##_ref, \
                             [CK_ISA_AVX512] = name##_ref, [CK_ISA_NEON] = name##_neon }
#else
#define CK_ISA_TABLE(name) { [CK_ISA_SCALAR] = name##_ref, [CK_ISA_AVX2] = name##_ref, \
                             [CK_ISA_AVX512] = name##_ref, [CK_ISA_NEON] = name##_ref }
#endif

/// The variant of `name` for the active ISA (a table lookup; the table is built at compile time).
#define CK_PICK(type, name) \
    (((const type[CK_ISA_COUNT])CK_ISA_TABLE(name))[ck_isa_active()])

/// Elements per chunk of a parallel elementwise loop. Fixed, so the split (and every chunked reduction)
/// is the same whatever the thread count.
#define CK_CHUNK ((int64_t)16384)

/// Threads worth using for `work_items` independent items (at most ck_threads()).
static inline int ck_threads_for(int64_t work_items) {
    int t = ck_threads();
    if (work_items < t) t = (int)(work_items < 1 ? 1 : work_items);
    return t;
}

/// A loop's iterations split as a static schedule splits them, one contiguous range per thread, that threads
/// done with their own range help finish: each range is claimed from its front, by its owner and then by the
/// others (work stealing by hand: the installed libomp may be older than the compiler, whose dynamic
/// schedules call __kmpc_dispatch_deinit). Why: on a shared machine one thread can run slower than the other
/// (a busy neighbour on its core), and a static split then waits for it at the region's end; plain claiming
/// of single items (a dynamic schedule) loses the static split's locality between consecutive loops over the
/// same images (measured: CNN5 steps 16 % slower). Results do not change: each iteration does the same work
/// whichever thread runs it.
#define CK_SPLIT_MAX 64
typedef struct {
    int64_t count, threads;
    struct { int64_t next; char pad[56]; } range[CK_SPLIT_MAX];  // next unclaimed iteration; own cache line
} ck_split;

static inline ck_split ck_split_make(int64_t threads, int64_t count) {
    ck_split s;
    s.count = count;
    s.threads = CK_MAX((int64_t)1, CK_MIN((int64_t)CK_SPLIT_MAX, threads));
    for (int64_t r = 0; r < s.threads; r++) s.range[r].next = count * r / s.threads;
    return s;
}

/// The calling thread's number in its parallel region (0 outside one, and without OpenMP).
static inline int ck_thread_id(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/// The next iteration for the calling thread, -1 when none is left; *visited (0 on the first call) counts
/// the ranges this thread has emptied, starting with its own.
static inline int64_t ck_split_next(ck_split *s, int64_t *visited) {
    const int64_t t = ck_thread_id();
    for (; *visited < s->threads; (*visited)++) {
        const int64_t r = (t + *visited) % s->threads, end = s->count * (r + 1) / s->threads;
        if (__atomic_load_n(&s->range[r].next, __ATOMIC_RELAXED) >= end) continue;
        const int64_t i = __atomic_fetch_add(&s->range[r].next, 1, __ATOMIC_RELAXED);
        if (i < end) return i;
    }
    return -1;
}

#define CK_PRAGMA(x) _Pragma(#x)

/// for (int64_t var = 0; var < ck_n_; var++) body, in a parallel region of up to ck_t_ threads sharing the
/// iterations through a ck_split. For loops whose iterations are independent:
///   CK_PARALLEL_FOR(ck_threads_for(n), i, n) { body using i }
#define CK_PARALLEL_FOR(ck_t_, var, ck_n_)                                                          \
    for (ck_split ck_split_ = ck_split_make((ck_t_), (ck_n_)), *ck_once_ = &ck_split_; ck_once_;   \
         ck_once_ = NULL)                                                                           \
        CK_PRAGMA(omp parallel num_threads(ck_split_.threads))                                      \
        for (int64_t ck_visited_ = 0, var; (var = ck_split_next(&ck_split_, &ck_visited_)) >= 0;)

/// for (start, len) over [0, n) in CK_CHUNK pieces, in parallel when there is more than one chunk:
///   CK_PARALLEL_CHUNKS(n, start, len) { body using start, len }
#define CK_PARALLEL_CHUNKS(n, start, len)                                                          \
    CK_PARALLEL_FOR(ck_threads_for(((n) + CK_CHUNK - 1) / CK_CHUNK), ck_chunk_, ((n) + CK_CHUNK - 1) / CK_CHUNK) \
        for (int64_t start = ck_chunk_ * CK_CHUNK, len = CK_MIN(CK_CHUNK, (n) - start), ck_one_ = 1; \
             ck_one_; ck_one_ = 0)

/// Philox words a kernel draws at a time, into a stack buffer of this many uint32 (random.c).
#define CK_RANDOM_RUN 256
/// out[k] = word first + k of the Philox4x32-10 stream of `seed` (word i % 4 of block i / 4), k < n: the stream
/// ck_random_uniform_at reads one word at a time, each block computed once.
void ck_random_words(uint32_t *out, int64_t n, uint64_t seed, uint64_t first);
/// Philox blocks first .. first + CK_RANDOM_LANES - 1 of `seed` as words, w[4*j + t] = word t of block first + j
/// (random_simd.h, per ISA).
#define CK_RANDOM_LANES 16
void ck_philox_lanes_impl_ref(uint32_t *w, uint64_t seed, uint64_t first);
CK_ISA_PROTOS(void, ck_philox_lanes_impl, (uint32_t *w, uint64_t seed, uint64_t first))

#endif
