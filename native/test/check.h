/* A minimal test harness shared by the C tests: CHECK counts failures and says where. */
#ifndef PL_TEST_CHECK_H
#define PL_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            failures++;                                                                       \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                       \
            printf(__VA_ARGS__);                                                              \
            printf("\n");                                                                     \
        }                                                                                     \
    } while (0)

/* xorshift64: deterministic inputs, the same on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static inline uint64_t next_u64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Uniform in [0, 1). */
static inline double uniform(void) { return (double)(next_u64() >> 11) * 0x1p-53; }

static inline int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

#endif
