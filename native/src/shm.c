/*
 * Cross-process synchronisation on shared memory. The protocol is the one Java's SharedBarrier
 * follows (docs/FORMAT.md); both sides use 64-bit atomics on the same aligned words, which are
 * lock-free on x86-64 and therefore work across processes.
 */
#include "impl.h"

#include <sched.h>
#include <stddef.h>
#include <time.h>

int pl_barrier_layout(int64_t *offsets, int64_t n) {
    if (!offsets || n < 5) return PL_E_ARG;
    offsets[0] = (int64_t)offsetof(pl_barrier, magic);
    offsets[1] = (int64_t)offsetof(pl_barrier, parties);
    offsets[2] = (int64_t)offsetof(pl_barrier, arrived);
    offsets[3] = (int64_t)offsetof(pl_barrier, generation);
    offsets[4] = (int64_t)sizeof(pl_barrier);
    return PL_OK;
}

int pl_barrier_init(void *b, int64_t parties) {
    if (!b || parties < 1 || ((uintptr_t)b & 63) != 0) return PL_E_ARG;
    pl_barrier *br = b;
    __atomic_store_n(&br->parties, parties, __ATOMIC_RELAXED);
    __atomic_store_n(&br->arrived, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&br->generation, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&br->magic, PL_BARRIER_MAGIC, __ATOMIC_RELEASE);
    return PL_OK;
}

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Whether the barrier's magic and party count still hold what the wait began with. */
static int words_hold(pl_barrier *br, int64_t parties) {
    return __atomic_load_n(&br->magic, __ATOMIC_ACQUIRE) == PL_BARRIER_MAGIC &&
           __atomic_load_n(&br->parties, __ATOMIC_RELAXED) == parties;
}

int pl_barrier_wait(void *b, int64_t timeout_ns) {
    if (!b || ((uintptr_t)b & 63) != 0 || timeout_ns < 0) return PL_E_ARG;
    pl_barrier *br = b;
    if (__atomic_load_n(&br->magic, __ATOMIC_ACQUIRE) != PL_BARRIER_MAGIC) return PL_E_LAYOUT;
    int64_t parties = __atomic_load_n(&br->parties, __ATOMIC_RELAXED);
    if (parties < 1) return PL_E_LAYOUT;
    int64_t gen = __atomic_load_n(&br->generation, __ATOMIC_ACQUIRE);
    if (gen == PL_BARRIER_BROKEN) return PL_E_TIMEOUT;
    if (gen < 0) return PL_E_LAYOUT;
    int64_t start = now_ns();
    int64_t arrived = __atomic_add_fetch(&br->arrived, 1, __ATOMIC_SEQ_CST);
    /* More arrivals than parties (a count written over, or more waiters than parties): the
     * count never reaches parties, and the wait would never end. */
    if (arrived < 1 || arrived > parties) return PL_E_LAYOUT;
    if (arrived == parties) {
        __atomic_store_n(&br->arrived, 0, __ATOMIC_RELAXED);
        /* A CAS, not a store: a waiter that timed out meanwhile has broken this generation,
         * and the barrier must stay broken. Any other word there was written by a process that
         * re-initialised or overwrote the barrier. */
        int64_t expected = gen;
        if (!__atomic_compare_exchange_n(&br->generation, &expected, gen + 1, 0, __ATOMIC_SEQ_CST,
                                         __ATOMIC_ACQUIRE))
            return expected == PL_BARRIER_BROKEN ? PL_E_TIMEOUT : PL_E_LAYOUT;
        return PL_OK;
    }
    for (unsigned spins = 0;; spins++) {
        int64_t now = __atomic_load_n(&br->generation, __ATOMIC_ACQUIRE);
        if (now != gen) {
            if (now == PL_BARRIER_BROKEN) return PL_E_TIMEOUT;
            /* Generations only grow, and the words beside them stay: a generation that went
             * back, or a changed magic or party count, is a barrier another process
             * re-initialised or zeroed under this wait, never a completed one. */
            if (now < gen || !words_hold(br, parties)) return PL_E_LAYOUT;
            return PL_OK;
        }
        if (spins < 1000) {
            __builtin_ia32_pause();
            continue;
        }
        if (!words_hold(br, parties)) return PL_E_LAYOUT; /* zeroed or re-initialised at generation 0 */
        /* Elapsed time against the timeout, never start + timeout: INT64_MAX waits for ever
         * instead of overflowing into the past. */
        if (now_ns() - start > timeout_ns) {
            int64_t expected = gen;
            if (__atomic_compare_exchange_n(&br->generation, &expected, PL_BARRIER_BROKEN, 0,
                                            __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
                return PL_E_TIMEOUT;
            continue; /* the generation completed (or broke) just now: look again */
        }
        sched_yield();
    }
}
