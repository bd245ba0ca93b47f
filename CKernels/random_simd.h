// Philox4x32-10 across CK_RANDOM_LANES blocks at once: plain C over arrays (structure of arrays) that the compiler
// vectorises with the ISA of the file that includes it (random.c for the reference, isa_<isa>.c per ISA). The
// arithmetic is integer, so every variant gives the same words.

#ifndef CK_PHILOX_ROUND_H
#define CK_PHILOX_ROUND_H
/// One Philox4x32 round on the counter (c0, c1, c2, c3) with round key (k0, k1); ck_philox4x32_10 runs ten of them
/// on one block, the lanes body below on each of its blocks.
static inline void philox_round(uint32_t *c0, uint32_t *c1, uint32_t *c2, uint32_t *c3, uint32_t k0, uint32_t k1) {
    const uint64_t p0 = (uint64_t)0xD2511F53u * *c0, p1 = (uint64_t)0xCD9E8D57u * *c2;
    const uint32_t n0 = (uint32_t)(p1 >> 32) ^ *c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ *c3 ^ k1;
    *c1 = (uint32_t)p1;
    *c3 = (uint32_t)p0;
    *c0 = n0;
    *c2 = n2;
}
/// The key schedule between rounds (Weyl sequence).
static const uint32_t PHILOX_KEY_STEP0 = 0x9E3779B9u, PHILOX_KEY_STEP1 = 0xBB67AE85u;
#endif

/// Philox blocks first .. first + CK_RANDOM_LANES - 1 of `seed`, as words: w[4*j + t] = word t of block first + j. The
/// rounds run across the 16 blocks at once (structure of arrays), which the compiler vectorises.
void CK_SUFFIX(ck_philox_lanes_impl)(uint32_t *CK_RESTRICT w, uint64_t seed, uint64_t first) {
    uint32_t c0[CK_RANDOM_LANES], c1[CK_RANDOM_LANES], c2[CK_RANDOM_LANES], c3[CK_RANDOM_LANES];
    for (int j = 0; j < CK_RANDOM_LANES; j++) {
        const uint64_t block = first + (uint64_t)j;
        c0[j] = (uint32_t)block;
        c1[j] = (uint32_t)(block >> 32);
        c2[j] = c3[j] = 0;
    }
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < 10; round++) {
        for (int j = 0; j < CK_RANDOM_LANES; j++) philox_round(&c0[j], &c1[j], &c2[j], &c3[j], k0, k1);
        k0 += PHILOX_KEY_STEP0;
        k1 += PHILOX_KEY_STEP1;
    }
    for (int j = 0; j < CK_RANDOM_LANES; j++) {
        w[4 * j] = c0[j];
        w[4 * j + 1] = c1[j];
        w[4 * j + 2] = c2[j];
        w[4 * j + 3] = c3[j];
    }
}
