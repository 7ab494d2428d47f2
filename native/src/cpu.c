/*
 * CPU features and the SIMD level in use: the library's only global state. The level starts
 * as the best the CPU supports, lowered by PARALELO_SIMD if set, and pl_set_level can lower
 * it later. Every level computes the same bits, so switching only changes speed.
 */
#include "impl.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

static int level_now = -1; /* accessed atomically; -1 until first use */

int pl_version(void) { return PL_VERSION; }

int pl_cpu_level(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("fma"))
        return PL_LEVEL_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return PL_LEVEL_AVX2;
    return PL_LEVEL_BASELINE;
}

static int initial_level(void) {
    int best = pl_cpu_level();
    const char *env = getenv("PARALELO_SIMD");
    if (!env) return best;
    int want = best;
    if (strcmp(env, "baseline") == 0)
        want = PL_LEVEL_BASELINE;
    else if (strcmp(env, "avx2") == 0)
        want = PL_LEVEL_AVX2;
    else if (strcmp(env, "avx512") == 0)
        want = PL_LEVEL_AVX512;
    return want < best ? want : best;
}

int pl_active_level(void) {
    int level = __atomic_load_n(&level_now, __ATOMIC_ACQUIRE);
    if (level < 0) {
        level = initial_level();
        int expected = -1;
        if (!__atomic_compare_exchange_n(&level_now, &expected, level, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            level = expected;
    }
    return level;
}

int pl_set_level(int level) {
    if (level < PL_LEVEL_BASELINE || level > pl_cpu_level()) return PL_E_LEVEL;
    __atomic_store_n(&level_now, level, __ATOMIC_RELEASE);
    return PL_OK;
}

const pl_impl *pl_impl_active(void) {
    switch (pl_active_level()) {
    case PL_LEVEL_AVX512: return &pl_impl_avx512;
    case PL_LEVEL_AVX2: return &pl_impl_avx2;
    default: return &pl_impl_baseline;
    }
}

int pl_max_threads(void) { return omp_get_max_threads(); }

int pl_team_size(int threads, int64_t n) {
    int t = threads > 0 ? threads : omp_get_max_threads();
    if (n < PL_PARALLEL_MIN || t < 1) return 1;
    int64_t blocks = (n + PL_BLOCK - 1) / PL_BLOCK;
    return blocks < t ? (int)blocks : t;
}

int pl_dtype_size(int dtype) {
    switch (dtype) {
    case PL_F64:
    case PL_I64: return 8;
    case PL_F32:
    case PL_I32: return 4;
    default: return 0;
    }
}
