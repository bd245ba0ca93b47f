// Philox4x32-10 across CK_RANDOM_LANES blocks at once: plain C over arrays (structure of arrays) that the compiler
// vectorises with the ISA of the file that includes it (random.c for the reference, isa_<isa>.c per ISA). The
// arithmetic is integer, so every variant gives the same words.

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
        for (int j = 0; j < CK_RANDOM_LANES; j++) {
            const uint64_t p0 = (uint64_t)0xD2511F53u * c0[j], p1 = (uint64_t)0xCD9E8D57u * c2[j];
            const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[j] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3[j] ^ k1;
            c1[j] = (uint32_t)p1;
            c3[j] = (uint32_t)p0;
            c0[j] = n0;
            c2[j] = n2;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    for (int j = 0; j < CK_RANDOM_LANES; j++) {
        w[4 * j] = c0[j];
        w[4 * j + 1] = c1[j];
        w[4 * j + 2] = c2[j];
        w[4 * j + 3] = c3[j];
    }
}
