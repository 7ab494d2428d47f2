/*
 * CPU features and the SIMD level in use: the library's only global state. The level starts
 * as the best the CPU supports, lowered by PARALELO_SIMD if set, and pl_set_level can lower
 * it later. Every level computes the same bits, so switching only changes speed.
 */
#include "impl.h"

#include <omp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int level_now = -1; /* accessed atomically; -1 until first use */
static int config_status = PL_OK; /* written once, before level_now is published */

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

/* The level PL_LEVEL_NAMES calls `name`, or -1. */
static int level_named(const char *name) {
    const char *names = PL_LEVEL_NAMES;
    size_t len = strlen(name);
    for (int level = 0; *names; level++) {
        size_t w = strcspn(names, " ");
        if (w == len && len > 0 && strncmp(names, name, w) == 0) return level;
        names += w;
        names += *names == ' ';
    }
    return -1;
}

/* The best level, lowered by PARALELO_SIMD; an unknown name marks the configuration bad. */
static int initial_level(int *status) {
    int best = pl_cpu_level();
    const char *env = getenv("PARALELO_SIMD");
    *status = PL_OK;
    if (!env) return best;
    int want = level_named(env);
    if (want < 0) {
        *status = PL_E_CONFIG;
        return best;
    }
    return want < best ? want : best;
}

int pl_active_level(void) {
    int level = __atomic_load_n(&level_now, __ATOMIC_ACQUIRE);
    if (level < 0) {
        int status;
        level = initial_level(&status);
        int expected = -1;
        /* Every racer computes the same status; the release below publishes it. */
        __atomic_store_n(&config_status, status, __ATOMIC_RELAXED);
        if (!__atomic_compare_exchange_n(&level_now, &expected, level, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            level = expected;
    }
    return level;
}

int pl_check_config(void) {
    pl_active_level();
    return __atomic_load_n(&config_status, __ATOMIC_RELAXED);
}

int pl_set_level(int level) {
    if (level < PL_LEVEL_BASELINE || level > pl_cpu_level()) return PL_E_LEVEL;
    pl_active_level(); /* read the environment first, so it cannot override this later */
    __atomic_store_n(&level_now, level, __ATOMIC_RELEASE);
    return PL_OK;
}

const pl_impl *pl_impl_active(void) {
    int level = pl_active_level();
    if (__atomic_load_n(&config_status, __ATOMIC_RELAXED) != PL_OK) return NULL;
    switch (level) {
    case PL_LEVEL_AVX512: return &pl_impl_avx512;
    case PL_LEVEL_AVX2: return &pl_impl_avx2;
    default: return &pl_impl_baseline;
    }
}

int pl_max_threads(void) { return omp_get_max_threads(); }

/* The most threads a call asks OpenMP for: what OpenMP allows, and no more than 4 per
 * processor (libgomp aborts the process when it cannot create the threads it was asked for, and
 * more threads than that never run faster). */
static int thread_cap(void) {
    /* omp_get_num_procs asks the kernel for the affinity mask on every call (a system call, 4 us
     * under a hypervisor): computed once. Threads racing here store the same value. */
    static _Atomic int cached;
    int cap = atomic_load_explicit(&cached, memory_order_relaxed);
    if (cap == 0) {
        int limit = omp_get_thread_limit();
        cap = 4 * omp_get_num_procs();
        if (limit > 0 && limit < cap) cap = limit;
        if (cap < 1) cap = 1;
        atomic_store_explicit(&cached, cap, memory_order_relaxed);
    }
    return cap;
}

int pl_team_size(int threads, int64_t n) {
    int64_t by_work = n / PL_MIN_PER_THREAD;
    if (by_work < 2) return 1; /* before anything that costs: most calls are small */
    int t = threads > 0 ? threads : omp_get_max_threads();
    int cap = thread_cap();
    if (t > cap) t = cap;
    if (t < 1) return 1;
    return by_work < t ? (int)by_work : t;
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
