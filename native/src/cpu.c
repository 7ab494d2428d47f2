/*
 * CPU features and the SIMD level in use: the library's only global state. The level starts
 * as the best the CPU supports, lowered by PARALELO_SIMD if set, and pl_set_level can lower
 * it later. Every level computes the same bits, so switching only changes speed.
 */
#include "impl.h"

#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---- team size --------------------------------------------------------------------------
 * A parallel call costs R(t) ns more than its work for t threads: waking the reductions' team
 * (team.c), the merges of the threads' partial states and the wait for the last one, measured
 * here on a reduction of one block, called back to back. Empty OpenMP regions (tools/team-cost.c)
 * cost 1.1 us for 2 threads, 1.8 for 4, 2.8 for 8 and 4.7 for 16 on a 16-core Xeon VM
 * (AVX-512), and 3.1 to 3.7 us for 2 on the 2-core AMD EPYC VM this project runs on, where the
 * team's R(2) is 0.9 us; merging the 1 KiB accumulators across cores added 4 to 6 us more on
 * the Xeon. A fixed rule cannot fit
 * both machines: on the Xeon 4 threads read 2^16 doubles 1.6x faster than one, on the AMD 2
 * are 2.4x slower. So the rule is a cost model: the team t <= threads that minimises
 * n * cost / t + R(t), with R linear between the measured R(2) and R(tmax), when it promises
 * at least 15% over one thread. */
#define REGION_MAX_NS 50000 /* a measured cost above this was disturbed by load */
/* A measurement that reached the cap is taken again on a call at least 1 s later (then 2, 4, 8
 * s): on the 16-core Xeon a JVM's start-up once pushed the 16-thread cost to the cap (4.1 us in
 * the run before), and the rule kept calls of 10^5 to 2^17 doubles on fewer threads for the
 * whole run. After REGION_RETRIES capped measurements the cap stands (a machine that busy). */
#define REGION_RETRIES 4
static int64_t region_retry_at;  /* atomic; pl_now_ns() after which to measure again, 0: never */
static int region_retries;       /* under region_lock */
static int64_t region_r2 = -1, region_rmax = -1; /* atomic; -1 until measured */
static int64_t region_pinned = -1;               /* atomic; >= 0 once pl_set_region_cost pins it */
static int region_tmax = 2;
static pthread_once_t region_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t region_lock = PTHREAD_MUTEX_INITIALIZER; /* one measurement at a time */

int64_t pl_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A measurement taken under load (another process, a JVM's compiler threads at start-up) came
 * out at 8-12 ms instead of 5.5 us on this project's 2-core VM, and would have kept the process
 * on one thread for good: pl_time_team takes the fastest of its calls, and a cost is capped at
 * REGION_MAX_NS. */
static void measure_regions(void) {
    pl_team_atfork(); /* the child's handler before the lock: a fork while it is held resets it */
    pthread_mutex_lock(&region_lock);
    int tmax = omp_get_max_threads(), cap = thread_cap();
    if (tmax > cap) tmax = cap;
    if (tmax < 2) tmax = 2;
    int64_t r2 = pl_time_team(2), rmax = tmax > 2 ? pl_time_team(tmax) : r2;
    int64_t retry = 0;
    if ((r2 >= REGION_MAX_NS || rmax >= REGION_MAX_NS) && region_retries < REGION_RETRIES)
        retry = pl_now_ns() + (INT64_C(1000000000) << region_retries++);
    __atomic_store_n(&region_retry_at, retry, __ATOMIC_RELAXED);
    if (r2 > REGION_MAX_NS) r2 = REGION_MAX_NS;
    if (rmax > REGION_MAX_NS) rmax = REGION_MAX_NS;
    if (rmax < r2) rmax = r2;
    __atomic_store_n(&region_tmax, tmax, __ATOMIC_RELAXED);
    __atomic_store_n(&region_rmax, rmax, __ATOMIC_RELAXED);
    __atomic_store_n(&region_r2, r2, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&region_lock);
}

int64_t pl_region_cost(int threads) {
    if (threads < 2) return 0;
    int64_t pinned = __atomic_load_n(&region_pinned, __ATOMIC_ACQUIRE);
    if (pinned >= 0) return pinned;
    int64_t r2 = __atomic_load_n(&region_r2, __ATOMIC_ACQUIRE);
    if (r2 < 0) {
        /* Inside a caller's parallel region a measurement would be wrong, and kept. Calls that
         * asked for no thread count run on one thread there (pl_team_size). */
        if (omp_in_parallel()) return REGION_MAX_NS;
        pthread_once(&region_once, measure_regions);
        r2 = __atomic_load_n(&region_r2, __ATOMIC_ACQUIRE);
    }
    int64_t at = __atomic_load_n(&region_retry_at, __ATOMIC_RELAXED);
    if (at > 0 && !omp_in_parallel() && pl_now_ns() >= at &&
        __atomic_compare_exchange_n(&region_retry_at, &at, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        measure_regions(); /* the capped one, again (this caller pays for it, once) */
        r2 = __atomic_load_n(&region_r2, __ATOMIC_ACQUIRE);
    }
    int64_t rmax = __atomic_load_n(&region_rmax, __ATOMIC_RELAXED);
    int tmax = __atomic_load_n(&region_tmax, __ATOMIC_RELAXED);
    if (rmax < r2) rmax = r2; /* the two stores of a new measurement seen half done */
    if (threads == 2) return r2;
    double r = tmax <= 2 ? (double)r2 * threads / 2 /* more threads than cores: each one queues */
                         : (double)r2 + (double)(rmax - r2) * (threads - 2) / (tmax - 2);
    return r < 1e15 ? (int64_t)r : (int64_t)1e15;
}

void pl_region_after_fork(void) { pthread_mutex_init(&region_lock, NULL); }

int pl_set_region_cost(int64_t ns) {
    pthread_once(&region_once, measure_regions); /* so that a first use cannot come later */
    if (ns >= 0) {
        __atomic_store_n(&region_pinned, ns, __ATOMIC_RELEASE);
        return PL_OK;
    }
    __atomic_store_n(&region_pinned, -1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&region_lock);
    region_retries = 0; /* a new measurement asked for: its retries start again */
    pthread_mutex_unlock(&region_lock);
    measure_regions();
    return PL_OK;
}

int pl_team_size(int threads, int64_t n, int cost) {
    if (n <= PL_PARALLEL_MIN) return 1; /* before anything that costs: most calls are small */
    /* A C caller inside its own OpenMP parallel region: its threads are the parallelism, and a
     * team for each would put up to cores^2 threads on the cores. */
    if (threads <= 0 && omp_in_parallel()) return 1;
    int t = threads > 0 ? threads : omp_get_max_threads();
    int cap = thread_cap();
    if (t > cap) t = cap;
    if (t < 2) return 1;
    if (cost < 1) cost = PL_COST_READ;
    double work = (double)n * cost * 1e-3; /* ns on one thread */
    if (work <= 2.0 * (double)pl_region_cost(2)) return 1; /* even 2 threads cannot win */
    int best = 1;
    double best_ns = work;
    for (int c = 2;; c = c > t / 2 ? t : 2 * c) {
        double ns = work / c + (double)pl_region_cost(c);
        if (ns < best_ns) {
            best = c;
            best_ns = ns;
        }
        if (c == t) break;
    }
    /* The model does not see that a team's other threads read data the caller's cache holds, or
     * start cold: a team must promise 15% over one thread. (Measured: an accurate sum of 100,003
     * doubles, predicted 0.88 of one thread's time on 2 threads of the AMD VM, took 1.12.) */
    return best_ns < 0.85 * work ? best : 1;
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
