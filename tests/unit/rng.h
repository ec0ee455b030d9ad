/* The unit tests' random numbers: Marsaglia's xorshift64, the same sequence
 * on every machine, so that a failure repeats.  rng_seed() starts another
 * sequence (not 0: it stays 0); rng_step() advances a sequence the caller
 * holds (several at once, one per thread). */
#ifndef SK_TEST_RNG_H
#define SK_TEST_RNG_H
#include <stdint.h>
static uint64_t t_rng = 88172645463325252ULL;
static inline void rng_seed(uint64_t s) { t_rng = s; }
static inline uint64_t rng_step(uint64_t *s) { *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17; return *s; }
static inline uint64_t rng_next(void) { return rng_step(&t_rng); }
/* The high 32 bits, and a double in [0, 1) from the high 53. */
static inline uint32_t rng_u32(void) { return (uint32_t)(rng_next() >> 32); }
static inline double rng_unit(void) { return (double)(rng_next() >> 11) / 9007199254740992.0; }
#endif
