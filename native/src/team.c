/*
 * The kernels' teams: worker threads kept between calls, which a parallel call wakes by one
 * store and waits for by one flag per worker.
 *
 * Why not an OpenMP region: on the 2-core AMD EPYC VM this project runs on, an empty
 * `#pragma omp parallel` of 2 threads, called back to back, costs 3.7 us with libgomp's default
 * policy and 3.8 us with OMP_WAIT_POLICY=active (tools/team-cost.c), while a store seen by the
 * other core and a store seen back (a round trip of two cache lines) costs 0.6 us there. A
 * fast sum of 2^17 doubles takes 8.9 us on one thread, so the region ate most of what a second
 * thread brings, and the team-size rule kept such calls on one thread. This team's empty call
 * costs about one round trip: the caller publishes (call number, team size) in one word that
 * every worker watches, runs part 0 itself, then waits for each worker's done word.
 *
 * Workers spin (with pause) for TEAM_SPIN_NS after their last call, then sleep on a futex, so
 * an idle process burns no core; the caller wakes sleepers only when some are asleep. A team
 * serves one caller at a time, and callers running at once each hold their own (made on first
 * need, as OpenMP keeps a pool per thread that starts regions; beyond TEAMS_MAX a caller runs
 * alone). The Java side's core budget keeps the teams' threads within the cores. Bits never
 * depend on the team size (partials merge exactly), so no choice here changes a result. Every parallel kernel runs here (reductions,
 * elementwise, slices, the probe): two pools that each spin after their calls took the cores
 * from each other. With OpenMP's threads still spinning from a probe, an accurate sum of 2^24
 * doubles on this team read 22.6 GB/s instead of 51.9 (calls alternating); with one pool,
 * 58.6. OpenMP's runtime still provides the thread settings (cpu.c).
 */
#define _GNU_SOURCE /* sched_getcpu */
#include "impl.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TEAM_SPIN_NS 200000   /* how long an idle worker spins before it sleeps */
#define TEAM_PATIENCE_NS 5000 /* how long a caller spins for a worker before it yields */
#define TEAM_SIZE_BITS 12     /* a call: its number << TEAM_SIZE_BITS | its team size */
#define TEAM_MAX ((1 << TEAM_SIZE_BITS) - 1)
#define TEAMS_MAX 64 /* teams at most: callers beyond that many at once run alone */

typedef struct team team;

/* A worker's own line: the last call it finished. */
typedef struct team_slot {
    _Alignas(128) _Atomic uint64_t done;
    uint64_t first; /* the call when it started: it waits for the next one */
    team *of;
    int id;
} team_slot;

/* A call is one 64-bit word, read whole, so a worker never pairs one call's number with
 * another's team size; it never repeats. bell, its low 32 bits, is what sleepers wait on (a
 * futex is 32 bits): stored after call, so a worker that read the old call sleeps only if the
 * bell has not rung yet, and then the caller sees it among the sleepers and wakes it. */
struct team {
    _Alignas(128) _Atomic uint64_t call; /* number << TEAM_SIZE_BITS | team size */
    _Atomic uint32_t bell;               /* (uint32_t)call, stored after it */
    pl_team_fn fn;                       /* the call's work, written before call is published */
    void *arg;
    _Atomic int faulted;                 /* a part of the call hit a truncated mapping (guard.c) */
    _Atomic int caller_cpu;              /* the CPU the caller last published from */
    _Alignas(128) _Atomic int sleepers;  /* workers asleep (or about to be) on the bell */
    _Alignas(128) _Atomic int busy;      /* a caller holds the team */
    int started;                         /* workers running, ids 1..started; under busy */
    int room;                            /* slots' length; under busy */
    team_slot **slots;                   /* slots[id], id in [1, started]; under busy */
};

/* Teams are made on demand, one per caller running at once (as OpenMP keeps a pool per thread
 * that starts regions), and never freed: teams[0, count) are published. */
static team *teams[TEAMS_MAX];
static _Atomic int team_count;
static pthread_mutex_t teams_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void futex_wait(_Atomic uint32_t *w, uint32_t v) {
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *w) {
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Moves the calling worker off `cpu` (where a caller runs): a worker woken there by the caller
 * (the scheduler's wake-affine choice, which on the 2-core VM stuck: every call then waited
 * for the two threads to take turns on one CPU, 38 us for a fast sum of 2^17 doubles against
 * 3.4 on two) would otherwise stay. Its affinity drops that CPU, which migrates it at once, and
 * is then given back whole. With no other CPU allowed, it only yields. */
static void move_off(int cpu) {
    cpu_set_t all, others;
    if (sched_getaffinity(0, sizeof all, &all) != 0 || cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &all) ||
        CPU_COUNT(&all) < 2) {
        sched_yield();
        return;
    }
    others = all;
    CPU_CLR(cpu, &others);
    if (sched_setaffinity(0, sizeof others, &others) == 0)
        sched_setaffinity(0, sizeof all, &all);
    else
        sched_yield();
}

/* Moves the calling worker of tm off its caller's CPU if it is on it. */
static void keep_off_caller(team *tm) {
    int cpu = atomic_load_explicit(&tm->caller_cpu, memory_order_relaxed);
    if (sched_getcpu() == cpu) move_off(cpu);
}

/* The next call of tm after seen: spins, then sleeps. */
static uint64_t next_call(team *tm, uint64_t seen) {
    int64_t since = 0;
    for (unsigned i = 1;; i++) {
        uint64_t w = atomic_load_explicit(&tm->call, memory_order_acquire);
        if (w != seen) return w;
        if ((i & 255) == 0) {
            keep_off_caller(tm);
            int64_t now = pl_now_ns();
            if (since == 0) {
                since = now;
            } else if (now - since > TEAM_SPIN_NS) {
                /* Dekker with the caller: it stores the bell, then reads sleepers (seq_cst). */
                atomic_fetch_add(&tm->sleepers, 1);
                while ((w = atomic_load(&tm->call)) == seen) futex_wait(&tm->bell, (uint32_t)seen);
                atomic_fetch_sub(&tm->sleepers, 1);
                return w;
            }
        }
        cpu_relax();
    }
}

/* Runs part id of a call under a fault guard (guard.c): 0 when it faulted. The caller's part
 * is guarded too, so that a fault there still waits for the workers before the call ends. */
static int run_part(pl_team_fn fn, void *arg, int id, int nt) {
    pl_guard g;
    int ok;
    pl_guard_push(&g);
    if (sigsetjmp(g.env, 0) == 0) {
        fn(arg, id, nt);
        ok = 1;
    } else {
        ok = 0; /* on_sigbus restored the signal mask */
    }
    pl_guard_pop(&g);
    return ok;
}

static void *worker_main(void *p) {
    team_slot *me = p;
    team *tm = me->of;
    uint64_t seen = me->first;
    for (;;) {
        uint64_t w = next_call(tm, seen);
        seen = w;
        int t = (int)(w & TEAM_MAX);
        if (me->id < t) {
            if (!run_part(tm->fn, tm->arg, me->id, t))
                atomic_store_explicit(&tm->faulted, 1, memory_order_relaxed);
            atomic_store_explicit(&me->done, w, memory_order_release);
            keep_off_caller(tm);
        }
    }
    return NULL;
}

/* In a forked child only the forking thread exists: every team starts again from nothing. */
static void after_fork_child(void) {
    pthread_mutex_init(&teams_lock, NULL);
    pl_region_after_fork();
    int count = atomic_load(&team_count);
    for (int i = 0; i < count; i++) {
        team *tm = teams[i];
        for (int id = 1; id <= tm->started; id++) {
            free(tm->slots[id]);
            tm->slots[id] = NULL;
        }
        tm->started = 0;
        atomic_store(&tm->sleepers, 0);
        atomic_store(&tm->busy, 0);
    }
}

static int atfork_ok;
static void register_atfork(void) { atfork_ok = pthread_atfork(NULL, NULL, after_fork_child) == 0; }

void pl_team_atfork(void) { pthread_once(&atfork_once, register_atfork); }

/* Starts workers of tm until `want` run (the caller holds tm->busy); returns how many run. */
static int grow(team *tm, int want) {
    if (want > TEAM_MAX) want = TEAM_MAX;
    if (tm->started >= want) return tm->started;
    if (want >= tm->room) {
        int room = want + 1 > 2 * tm->room ? want + 1 : 2 * tm->room;
        team_slot **slots = realloc(tm->slots, sizeof *slots * (size_t)room);
        if (!slots) return tm->started;
        for (int id = tm->room; id < room; id++) slots[id] = NULL;
        tm->slots = slots;
        tm->room = room;
    }
    /* Workers take no asynchronous signal: the threads the process made itself handle them. The
     * signals of their own faults stay unblocked: a fault with its signal blocked ends the
     * process, and a SIGBUS must reach the fault guard (guard.c). */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    int attr_ok = pthread_attr_init(&attr) == 0;
    if (attr_ok) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    while (attr_ok && tm->started < want) {
        int id = tm->started + 1;
        team_slot *s = tm->slots[id];
        if (!s) {
            s = aligned_alloc(_Alignof(team_slot), sizeof *s);
            if (!s) break;
            tm->slots[id] = s;
        }
        atomic_store_explicit(&s->done, 0, memory_order_relaxed);
        s->first = atomic_load_explicit(&tm->call, memory_order_relaxed);
        s->of = tm;
        s->id = id;
        pthread_t th;
        if (pthread_create(&th, &attr, worker_main, s) != 0) break;
        tm->started = id;
    }
    if (attr_ok) pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return tm->started;
}

static int try_hold(team *tm) {
    int free_ = 0;
    return atomic_compare_exchange_strong_explicit(&tm->busy, &free_, 1, memory_order_acquire,
                                                   memory_order_relaxed);
}

/* A team this caller now holds: a free one, else a new one; NULL when TEAMS_MAX are in use. */
static team *hold_team(void) {
    pthread_once(&atfork_once, register_atfork);
    if (!atfork_ok) return NULL; /* a fork would leave a child waiting for workers it lacks */
    int count = atomic_load_explicit(&team_count, memory_order_acquire);
    for (int i = 0; i < count; i++)
        if (try_hold(teams[i])) return teams[i];
    team *made = NULL;
    pthread_mutex_lock(&teams_lock);
    count = atomic_load_explicit(&team_count, memory_order_relaxed);
    for (int i = 0; i < count && !made; i++) /* one freed, or made, while this caller looked */
        if (try_hold(teams[i])) made = teams[i];
    if (!made && count < TEAMS_MAX) {
        made = aligned_alloc(_Alignof(team), sizeof *made);
        if (made) {
            memset(made, 0, sizeof *made);
            atomic_store_explicit(&made->busy, 1, memory_order_relaxed);
            teams[count] = made;
            atomic_store_explicit(&team_count, count + 1, memory_order_release);
        }
    }
    pthread_mutex_unlock(&teams_lock);
    return made;
}

/* Waits for the worker of s to finish call w: spins while that is likely to come soon, then
 * gives its CPU way at every look (the worker may be waiting for this very CPU). */
static void wait_done(team_slot *s, uint64_t w) {
    int64_t since = 0;
    for (unsigned i = 1; atomic_load_explicit(&s->done, memory_order_acquire) != w; i++) {
        if (since < 0) {
            sched_yield();
        } else if ((i & 63) == 0) {
            int64_t now = pl_now_ns();
            if (since == 0)
                since = now;
            else if (now - since > TEAM_PATIENCE_NS)
                since = -1;
        } else {
            cpu_relax();
        }
    }
}

int pl_team_run(int t, pl_team_fn fn, void *arg) {
    if (t > TEAM_MAX) t = TEAM_MAX; /* what the call word's size field holds (4096 read as 0) */
    int asked = t;
    team *tm = t < 2 ? NULL : hold_team();
    if (tm && grow(tm, t - 1) + 1 < t) t = tm->started + 1;
    if (!tm || t < 2) { /* alone: no team asked for, none to be had, or no worker started */
        if (tm) atomic_store_explicit(&tm->busy, 0, memory_order_release);
        /* A caller that asked for a team may have allocated for one (the parts of more than
         * TEAM_ON_STACK threads): guarded, so that it frees them after a fault. One that asked
         * for no team runs unguarded, and a fault goes straight to its entry point's guard. */
        if (asked >= 2) return run_part(fn, arg, 0, 1);
        fn(arg, 0, 1);
        return 1;
    }
    tm->fn = fn;
    tm->arg = arg;
    atomic_store_explicit(&tm->faulted, 0, memory_order_relaxed);
    atomic_store_explicit(&tm->caller_cpu, sched_getcpu(), memory_order_relaxed);
    uint64_t old = atomic_load_explicit(&tm->call, memory_order_relaxed);
    uint64_t w = ((old >> TEAM_SIZE_BITS) + 1) << TEAM_SIZE_BITS | (uint64_t)t;
    atomic_store_explicit(&tm->call, w, memory_order_release);
    atomic_store(&tm->bell, (uint32_t)w);
    if (atomic_load(&tm->sleepers) > 0) futex_wake_all(&tm->bell);
    int ok = run_part(fn, arg, 0, t);
    for (int id = 1; id < t; id++) wait_done(tm->slots[id], w);
    ok = ok && !atomic_load_explicit(&tm->faulted, memory_order_relaxed);
    atomic_store_explicit(&tm->busy, 0, memory_order_release);
    return ok ? t : 0;
}

/* pl_team_split's call: the range function and what it needs. */
typedef struct split_call {
    pl_range_fn fn;
    void *ctx;
    int64_t n;
} split_call;

static void split_part(void *arg, int id, int nt) {
    const split_call *c = arg;
    int64_t q = c->n / nt, r = c->n % nt; /* floor(n * id / nt) without overflow */
    int64_t lo = q * id + r * id / nt, hi = q * (id + 1) + r * (id + 1) / nt;
    c->fn(c->ctx, id, nt, lo, hi);
}

int pl_team_split(int t, int64_t n, pl_range_fn fn, void *ctx) {
    split_call c = {fn, ctx, n};
    return pl_team_run(t, split_part, &c);
}
