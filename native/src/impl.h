/*
 * Internal: the table of single-threaded range kernels that one SIMD level provides.
 * impl.c is compiled once per level (baseline, AVX2, AVX-512) with its own target flags;
 * cpu.c picks the table at run time. The public functions in reduce.c, elementwise.c and
 * slices.c validate arguments, split work between OpenMP threads and call these.
 *
 * A range kernel accumulates x[lo, hi) into a partial state (paralelo.h). lo is a multiple of
 * PL_BLOCK counted from x, so blocks start where they start for the whole array; a slice is
 * reduced by passing its first element as x.
 */
#ifndef PL_IMPL_H
#define PL_IMPL_H

#include "paralelo.h"

#include <setjmp.h>
#include <stddef.h>

/* 128-bit integers for exact integer partials (a GCC extension, hence __extension__). */
__extension__ typedef __int128 pl_i128;
__extension__ typedef unsigned __int128 pl_u128;

typedef struct pl_impl {
    const char *name;
    /* Float sum: each block's partial added to acc. */
    void (*sum)(int dtype, int mode, const void *x, int64_t lo, int64_t hi, pl_acc *acc);
    /* The partial of a float sum of n <= PL_BLOCK elements, hi and lo into out[0], out[1]: what
     * the block adds to an accumulator, hi + lo being its exact sum rounded once; 0 if that
     * partial is not finite (the caller then takes the accumulator). */
    int (*sum_small)(int dtype, int mode, const void *x, int64_t n, double *out);
    /* sum_small of two runs x[a, a + na) and x[b, b + nb) (each <= PL_BLOCK), accurate mode, their
     * steps interleaved: bit 0 set when the first's partial is finite (into pa), bit 1 the
     * second's (pb). */
    int (*sum_small2)(int dtype, const void *x, int64_t a, int64_t na, int64_t b, int64_t nb, double *pa,
                      double *pb);
    /* The partials of the blocks of [lo, hi) (a few blocks) as sum computes them, hi and lo per
     * block into pairs[0, 2 * blocks); 0 if one is not finite. */
    int (*sum_pairs)(int dtype, int mode, const void *x, int64_t lo, int64_t hi, double *pairs);
    void (*dot)(int dtype, int mode, const void *x, const void *y, int64_t lo, int64_t hi,
                pl_acc *acc);
    /* The partials of the float dot's blocks of [lo, hi) (a few blocks) as dot computes them,
     * hi and lo per block into pairs[0, 2 * blocks); 0 if a block takes its exact products. */
    int (*dot_pairs)(int dtype, int mode, const void *x, const void *y, int64_t lo, int64_t hi,
                     double *pairs);
    /* Float variance, the centred pass: sums of d and d * d, d = x - st->center. */
    void (*centered)(int dtype, int mode, const void *x, int64_t lo, int64_t hi,
                     pl_centered *st);
    /* The centred partials of the blocks of [lo, hi) (a few blocks) as centered computes them,
     * hi and lo per block of sum(d * d) into q and of sum(d) into d; 0 if one is not finite. */
    int (*centered_pairs)(int dtype, int mode, const void *x, int64_t lo, int64_t hi, double center,
                          double *q, double *d);
    /* Min or max (st->op) of [lo, hi) folded into st. */
    void (*extremum)(int dtype, const void *x, int64_t lo, int64_t hi, pl_extremum *st);
    /* Exact integer sum, dot, and the moments of a variance. */
    void (*integer_sum)(int dtype, const void *x, int64_t lo, int64_t hi, pl_wide *acc);
    void (*integer_dot)(int dtype, const void *x, const void *y, int64_t lo, int64_t hi,
                        pl_wide *acc);
    void (*binary)(int dtype, int op, const void *a, const void *b, void *out, int64_t lo,
                   int64_t hi);
    void (*scale)(int dtype, const void *x, double af, int64_t ai, void *out, int64_t lo,
                  int64_t hi);
    void (*axpy)(int dtype, double af, int64_t ai, const void *x, void *y, int64_t lo,
                 int64_t hi);
    void (*fill)(int dtype, void *out, double vf, int64_t vi, int64_t lo, int64_t hi);
    /* Accurate sums of slice_batch consecutive slices of k <= PL_BLOCK elements from slice j of
     * x's n elements, with the bits of k_sum_small each, into out[j..]; a mask of the slices to
     * redo exactly. stream: out is 64-byte aligned and the results may bypass the caches
     * (non-temporal stores; the caller fences before it returns). */
    unsigned (*slice_sums)(int dtype, const void *x, int64_t n, int64_t k, int64_t j, double *out,
                           int stream);
    int slice_batch;
    /* Unordered sum of [lo, hi) with plain accumulators: the bandwidth probe. */
    double (*probe)(const double *x, int64_t lo, int64_t hi);
    /* Unordered TwoSum of [lo, hi) on 4 interleaved groups of 8 lanes: the accurate ceiling. */
    double (*probe_twosum)(const double *x, int64_t lo, int64_t hi);
} pl_impl;

extern const pl_impl pl_impl_baseline;
extern const pl_impl pl_impl_avx2;
extern const pl_impl pl_impl_avx512;

/* The table of the active level (cpu.c); NULL when the configuration is invalid. */
const pl_impl *pl_impl_active(void);

/* Exact accumulator internals shared by the kernels (accum.c). */
void pl_acc_add_term(pl_acc *acc, double x);
/* acc += x * y exactly, for any two doubles (non-finite factors: the IEEE product's value). */
void pl_acc_add_product_term(pl_acc *acc, double x, double y);
void pl_acc_normalize(pl_acc *acc);
/* A team's part of an accumulator: packed where it was made, added where it is merged. */
void pl_acc_pack(pl_acc *part, int span[2], pl_acc *mine);
void pl_acc_add_packed(pl_acc *dst, const pl_acc *part, const int span[2]);
/* The value times 2^-scale rounded once, 0 <= scale <= 2048 (pl_acc_round is scale 0). */
void pl_acc_round_scaled(const pl_acc *acc, int scale, double *out);
/* floor(log2 |value|) of the finite digits (NaN and infinity counts ignored); INT32_MIN for 0. */
int pl_acc_exponent(const pl_acc *acc);
/* The finish of a centred state that fits (states.c): see pl_variance_result and pl_variance_recenter. */
void pl_centered_finish(const pl_centered *st, int ddof, int always, double *out, double *next);

/* 256-bit integers (wide.c). */
void pl_wide_add(pl_wide *acc, const pl_wide *v);
/* acc += the signed 192-bit value (top : hi : lo) (top sign-extends). */
void pl_wide_add192(pl_wide *acc, int64_t top, uint64_t hi, uint64_t lo);
/* The exact integer variance, rounded once; PL_E_ARG for a state no real data can produce. */
int pl_moments_variance(const pl_moments *st, int ddof, double *out);

/* No array holds more than 2^62 elements: counts in states stay at or below it. */
#define PL_MAX_COUNT ((int64_t)1 << 62)
/* a + b for counts in [0, PL_MAX_COUNT], saturated at PL_MAX_COUNT. */
static inline int64_t pl_count_add(int64_t a, int64_t b) {
    return a > PL_MAX_COUNT - b ? PL_MAX_COUNT : a + b;
}

/* Whether acc holds what pl_acc_init, additions, merges and normalisations leave (accum.c):
 * fewer additions since the last normalisation than trigger one, digits within what they
 * reach between normalisations, the top digit near zero, counts in [0, PL_MAX_COUNT]. A forged
 * one could overflow a digit or a count. */
int pl_acc_fits(const pl_acc *a);
/* pl_acc_merge and pl_acc_mean without the checks, for accumulators the library made or checked. */
void pl_acc_merge_checked(pl_acc *dst, const pl_acc *src);
double pl_acc_mean_checked(const pl_acc *acc, int64_t n);
/* Whether the state's element count (PL_STATE_EXTREMUM, _CENTERED, _MOMENTS) has room for
 * `more` elements: PL_OK, PL_E_ARG for a count outside [0, PL_MAX_COUNT] (no call leaves one)
 * or an accumulator pl_acc_fits refuses, PL_E_OVERFLOW when the count would pass
 * PL_MAX_COUNT. Other kinds: PL_OK, or PL_E_ARG for a sum state's bad accumulator. */
int pl_state_room(int kind, const void *state, int64_t more);

/* States (states.c). */
/* Whether a min/max state holds what init, kernels and merges leave (known dtype and op, count
 * in [0, PL_MAX_COUNT], an empty state's zeros, index and NaN flag in range). */
int pl_extremum_fits(const pl_extremum *e);
/* Merges; PL_E_OVERFLOW (and dst unchanged) when the counts together pass PL_MAX_COUNT. */
int pl_extremum_merge(pl_extremum *dst, const pl_extremum *src);
int pl_centered_merge(pl_centered *dst, const pl_centered *src);
int pl_moments_merge(pl_moments *dst, const pl_moments *src);
/* Whether a is a better extreme than b for op (strictly; NaN excluded). */
static inline int pl_better(int op, double a, double b) { return op == PL_MIN ? a < b : a > b; }

/* Bytes per element of a dtype, or 0 if the dtype is unknown. */
int pl_dtype_size(int dtype);
static inline int pl_dtype_is_float(int dtype) { return dtype == PL_F64 || dtype == PL_F32; }



/* Monotonic clock, ns. */
int64_t pl_now_ns(void);
/* The cost in ns of a reduction's parallel machinery on t threads with no work (reduce.c). */
int64_t pl_time_team(int t);
/* In a forked child: the region measurement's lock, which a thread of the parent may have held
 * (cpu.c; called by the teams' fork handler, which pl_team_atfork registers: team.c, before the
 * lock is first taken). */
void pl_region_after_fork(void);
void pl_team_atfork(void);

/* The kernels' teams (team.c): runs fn(arg, id, nt) for every id in [0, nt), id 0 on the
 * calling thread and the others on worker threads kept between calls, and returns nt once all
 * have returned. nt is t, or fewer when fewer workers could be started, or 1 (fn(arg, 0, 1) on
 * the calling thread alone) when t < 2 or no team is to be had. When t >= 2 each part runs
 * under a fault guard, on a team or alone: 0 when one of them faulted (the parts' results are
 * then not to be used; the caller frees what it allocated and calls pl_guard_raise, which
 * ends the call with PL_E_FAULT). With t < 2, fn runs unguarded: a fault there jumps to the caller's guard at once,
 * so such a caller must allocate nothing it would then leak. */
typedef void (*pl_team_fn)(void *arg, int id, int nt);
int pl_team_run(int t, pl_team_fn fn, void *arg);
/* [0, n) in nt contiguous ranges, [n * id / nt, n * (id + 1) / nt) to part id, through
 * pl_team_run; returns nt, or 0 as it does. */
typedef void (*pl_range_fn)(void *ctx, int id, int nt, int64_t lo, int64_t hi);
int pl_team_split(int t, int64_t n, pl_range_fn fn, void *ctx);

/* Single-threaded reduction of x[0, n) to its result, as pl_reduce (slices.c uses it per
 * slice). */
int pl_reduce_serial(const pl_impl *im, int dtype, int op, const void *x, int64_t n, int mode,
                     double *out_f, int64_t *out_i);

/* Fault guards (guard.c): a SIGBUS from a page of a mapped file truncated away, raised inside
 * a guard, jumps back to it. A guard lives on the stack of the frame that pushed it. */
typedef struct pl_guard {
    sigjmp_buf env;
    struct pl_guard *outer;
} pl_guard;
/* The innermost guard of this thread. Initial-exec: one instruction to reach, and no allocation
 * when the signal handler reads it. */
extern __thread pl_guard *pl_guard_top __attribute__((tls_model("initial-exec")));
extern int pl_guard_state;
void pl_guard_install(void);
/* Jumps to this thread's innermost guard as if its work had faulted (a team part did); aborts
 * when there is none. */
_Noreturn void pl_guard_raise(void);

static inline void pl_guard_push(pl_guard *g) {
    if (!__atomic_load_n(&pl_guard_state, __ATOMIC_ACQUIRE)) pl_guard_install();
    g->outer = pl_guard_top;
    pl_guard_top = g;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void pl_guard_pop(pl_guard *g) {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    pl_guard_top = g->outer;
}

/* The body of a public kernel: returns `call` (an int status) run under a guard, or PL_E_FAULT
 * when it touched a page of a mapped file that was truncated away. `call` must be a call of a
 * noinline function: a function that calls sigsetjmp is compiled with every variable in memory,
 * and a kernel inlined into it cost a call of 16 doubles 3 to 6 ns more than the guard itself. */
#define PL_GUARDED(call)                                                                           \
    do {                                                                                           \
        pl_guard guard_;                                                                           \
        int status_;                                                                               \
        pl_guard_push(&guard_);                                                                    \
        if (sigsetjmp(guard_.env, 0) == 0)                                                         \
            status_ = (call);                                                                      \
        else                                                                                       \
            status_ = PL_E_FAULT;                                                                  \
        pl_guard_pop(&guard_);                                                                     \
        return status_;                                                                            \
    } while (0)

#endif
