// Philox4x32-10 counter-based generator (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as
// 1, 2, 3", SC 2011). Position i of stream `seed` is word i % 4 of the block with counter i / 4.
#include "ck_internal.h"
#include "include/ck_random.h"

#include <math.h>
#include <string.h>

// The 16-block Philox body (and the round it shares with ck_philox4x32_10), instantiated here as the scalar
// reference and per ISA in isa_<isa>.c.
#define CK_SUFFIX(name) name##_ref
#include "random_simd.h"
#undef CK_SUFFIX

void ck_philox4x32_10(uint32_t out[4], const uint32_t counter[4], const uint32_t key[2]) {
    uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        philox_round(&c0, &c1, &c2, &c3, k0, k1);
        k0 += PHILOX_KEY_STEP0;
        k1 += PHILOX_KEY_STEP1;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

static inline uint32_t philox_word(uint64_t seed, uint64_t index) {
    const uint64_t block = index >> 2;
    const uint32_t counter[4] = {(uint32_t)block, (uint32_t)(block >> 32), 0, 0};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    uint32_t out[4];
    ck_philox4x32_10(out, counter, key);
    return out[index & 3];
}

/// The 24-bit uniform in [0, 1) of a word.
static inline float word_uniform(uint32_t word) { return (float)(word >> 8) * (1.0f / 16777216.0f); }

float ck_random_uniform_at(uint64_t seed, uint64_t index) { return word_uniform(philox_word(seed, index)); }

void ck_random_words(uint32_t *out, int64_t n, uint64_t seed, uint64_t first) {
    // Every block is computed once for its four words (per-word calls computed each block four times).
    typedef void (*lanes_fn)(uint32_t *, uint64_t, uint64_t);
    const lanes_fn lanes = CK_PICK(lanes_fn, ck_philox_lanes_impl);
    uint32_t w[4 * CK_RANDOM_LANES];
    for (int64_t i = 0; i < n;) {
        const uint64_t index = first + (uint64_t)i, block = index >> 2;
        lanes(w, seed, block);
        const int64_t skip = (int64_t)(index & 3), take = CK_MIN((int64_t)(4 * CK_RANDOM_LANES) - skip, n - i);
        memcpy(out + i, w + skip, (size_t)take * sizeof(uint32_t));
        i += take;
    }
}

void ck_random_uniform(float *out, int64_t n, uint64_t seed, uint64_t offset) {
    CK_PARALLEL_CHUNKS(n, s, len) {
        uint32_t w[CK_RANDOM_RUN];
        for (int64_t c = s; c < s + len; c += CK_RANDOM_RUN) {
            const int64_t m = CK_MIN((int64_t)CK_RANDOM_RUN, s + len - c);
            ck_random_words(w, m, seed, offset + (uint64_t)c);
            for (int64_t j = 0; j < m; j++) out[c + j] = word_uniform(w[j]);
        }
    }
}

void ck_random_normal(float *out, int64_t n, uint64_t seed, uint64_t offset, float mean, float std) {
    CK_PARALLEL_CHUNKS(n, s, len) {
        uint32_t w[CK_RANDOM_RUN];
        for (int64_t c = s; c < s + len; c += CK_RANDOM_RUN / 2) {
            const int64_t m = CK_MIN((int64_t)CK_RANDOM_RUN / 2, s + len - c);
            ck_random_words(w, 2 * m, seed, 2 * (offset + (uint64_t)c));
            for (int64_t j = 0; j < m; j++) {
                // (bits + 0.5) / 2^24 lies in (0, 1): log never sees 0.
                const double u1 = ((double)(w[2 * j] >> 8) + 0.5) / 16777216.0;
                const double u2 = (double)(w[2 * j + 1] >> 8) / 16777216.0;
                const double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
                out[c + j] = mean + std * (float)z;
            }
        }
    }
}
