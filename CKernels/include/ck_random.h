// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). Output k of a call depends only on
// (seed, offset + k): any split of the work over threads gives the same numbers.
#ifndef CK_RANDOM_H
#define CK_RANDOM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One Philox4x32-10 block: out = philox(counter, key).
void ck_philox4x32_10(uint32_t out[4], const uint32_t counter[4], const uint32_t key[2]);

/// Uniform float in [0, 1) for stream position `index` of `seed` (24 random bits).
float ck_random_uniform_at(uint64_t seed, uint64_t index);

/// out[k] = uniform in [0, 1) at position offset + k.
void ck_random_uniform(float *out, int64_t n, uint64_t seed, uint64_t offset);
/// out[k] = standard normal at position offset + k (Box-Muller on the uniforms at 2(offset+k), 2(offset+k)+1).
void ck_random_normal(float *out, int64_t n, uint64_t seed, uint64_t offset, float mean, float std);

#ifdef __cplusplus
}
#endif
#endif
