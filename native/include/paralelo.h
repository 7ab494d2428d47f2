/*
 * paralelo.h - the whole C ABI of libparalelo.
 *
 * Every function returns an int status: PL_OK (0) on success, a negative PL_E_* code on
 * failure. No function aborts, prints or keeps state between calls, except the CPU-feature
 * table (pl_set_level), the fault guard (pl_fault_guard), the threads kept for the next call
 * (each caller thread's team) and the parallel call cost (pl_region_cost). Arrays are plain pointers to
 * little-endian elements of the given pl_dtype, aligned to their element size; lengths are
 * element counts.
 *
 * Floating-point reductions are reproducible: the order of every rounding operation is fixed
 * by the element index alone (blocks of PL_BLOCK elements, PL_LANES virtual lanes), so the
 * result is the same bit pattern for any thread count and any SIMD level.
 * See docs/ACCURACY.md for the algorithm and its error bound.
 */
#ifndef PARALELO_H
#define PARALELO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PL_BUILDING_LIBRARY)
#define PL_API __attribute__((visibility("default")))
#else
#define PL_API
#endif

#define PL_VERSION 6 /* 6: ring owner words out of the descriptors (pl_ring_offsets) */

/* Status codes. */
#define PL_OK 0
#define PL_E_ARG (-1)      /* a null pointer, a negative length, an unknown enum value */
#define PL_E_OVERFLOW (-2) /* an integer result does not fit in int64 */
#define PL_E_EMPTY (-3)    /* min/max of no elements */
#define PL_E_LEVEL (-4)    /* a SIMD level this CPU does not support */
#define PL_E_INDEX (-5)    /* an offset outside [0, n) */
#define PL_E_TIMEOUT (-6)  /* a barrier wait ran out of time */
#define PL_E_LAYOUT (-7)   /* shared memory that does not hold the expected layout */
#define PL_E_ALIGN (-8)    /* a partial's range that is not block-aligned (see pl_partial) */
#define PL_E_CONFIG (-9)   /* PARALELO_SIMD names no SIMD level (see pl_check_config) */
#define PL_E_MISMATCH (-10) /* merging partial states of different kinds, ops, types or centres */
#define PL_E_FAULT (-11)   /* a kernel touched a page of a mapped file truncated away (SIGBUS) */

/* Element types. */
#define PL_F64 0
#define PL_F32 1
#define PL_I64 2
#define PL_I32 3

/* Reduction operations: pl_reduce, pl_slice_reduce and pl_reduceat take SUM to MAX; partial
 * states (pl_state_init) take them all, MEAN having SUM's state. */
#define PL_SUM 0
#define PL_MEAN 1
#define PL_MIN 2
#define PL_MAX 3
#define PL_VAR 4
#define PL_DOT 5

/* Elementwise binary operations for pl_binary. */
#define PL_ADD 0
#define PL_SUB 1
#define PL_MUL 2

/* Summation modes. */
#define PL_ACCURATE 0 /* 8 TwoSum lanes, block partials summed exactly (docs/ACCURACY.md) */
#define PL_FAST 1     /* 32 plain lanes (sum, dot), exact combine: numpy-level accuracy */

/* SIMD levels, and their names in level order (PARALELO_SIMD, -Dparalelo.simd). */
#define PL_LEVEL_BASELINE 0 /* x86-64 (SSE2) */
#define PL_LEVEL_AVX2 1     /* AVX2 + FMA */
#define PL_LEVEL_AVX512 2   /* AVX-512 F/DQ/VL/BW */
#define PL_LEVEL_NAMES "baseline avx2 avx512"

/* Fixed geometry of every reduction. */
#define PL_BLOCK 4096        /* elements per block; blocks start at multiples of PL_BLOCK */
#define PL_LANES 8           /* virtual lanes; element i of a block goes to lane i % PL_LANES */
#define PL_FAST_LANES 32     /* lanes of fast-mode sums and dots */
/* Team size (pl_team_size): a call of at most PL_PARALLEL_MIN elements runs on the calling
 * thread alone; a larger one on the team that is fastest by a cost model: its elements' cost
 * on one core (PL_COST_* picoseconds each) shared by the team, plus what a parallel region of
 * that team costs on this machine, measured once per process, if it promises 15% over one
 * thread (docs/ACCURACY.md, "Threads"). */
#define PL_PARALLEL_MIN 16384
#define PL_COST_READ 64      /* per element: fast sums, min/max, integer sums, elementwise */
#define PL_COST_ACCURATE 160 /* per element: accurate sums and means, slice reductions */

/*
 * Exact accumulator: a fixed-point integer wide enough to hold, without rounding, any sum of up
 * to 2^62 finite doubles or exact products of two finite doubles. Digit k holds bits
 * [32k, 32k+32) of the value in units of 2^-2162 (signed, carries pending until normalised):
 * 34 digits below 2^-1074 (a product of doubles can reach down to 2^-2148), 68 digits that hold
 * every double, and 34 above (a product reaches 2^2048, a square of a difference of doubles
 * 2^2050). Adding is exact, so merging accumulators is associative and commutative: partials
 * made by threads, processes or MPI ranks merge to the same bits in any order. pl_acc_round
 * rounds once, to nearest even. The struct is 140 int64 words; Java's ExactSum uses the same
 * layout.
 */
#define PL_ACC_DIGITS 136
typedef struct pl_acc {
    int64_t digit[PL_ACC_DIGITS];
    int64_t adds;    /* additions since the last normalisation */
    int64_t nan;     /* count of NaN terms */
    int64_t pos_inf; /* count of +inf terms */
    int64_t neg_inf; /* count of -inf terms */
} pl_acc;

/*
 * Partial states. Every reduction is an identity (pl_state_init), "accumulate a block-aligned
 * range" (pl_partial, pl_partial_dot), an exact merge (pl_merge) and a finish (pl_acc_round,
 * pl_wide_to_i64, pl_extremum_result, pl_variance_result). Merging is associative and
 * commutative and loses nothing, so partials of the ranges of any block partition (threads,
 * worker processes, MPI ranks) merge to the bits one call over the whole array returns.
 * Each state is a struct of int64 words; Java's partial types hold the same words, and their
 * byte encoding (docs/FORMAT.md) is a 16-byte header followed by these words, little-endian.
 *
 * The functions below take a state as void *: it must point to the struct that
 * pl_state_kind(dtype, op) names, made by pl_state_init. C cannot tell one struct from another;
 * what the structs record (a min/max state's dtype and op, a centred state's centre) is checked.
 */
#define PL_STATE_SUM 1      /* pl_acc: float sum, mean and dot */
#define PL_STATE_INTEGER 2  /* pl_wide: integer sum, mean and dot */
#define PL_STATE_EXTREMUM 3 /* pl_extremum: min and max */
#define PL_STATE_CENTERED 4 /* pl_centered: float variance, the centred sums */
#define PL_STATE_MOMENTS 5  /* pl_moments: integer variance */

/* A 256-bit two's complement integer, least significant word first. It holds any sum of up
 * to 2^62 products of two int64 (each below 2^126 in magnitude) exactly. */
#define PL_WIDE_WORDS 4
typedef struct pl_wide {
    uint64_t word[PL_WIDE_WORDS];
} pl_wide;

/*
 * Min or max with numpy's rules: any NaN makes the result NaN, and `index` is the first NaN's;
 * otherwise `index` is the first element equal to the extreme. A zero extreme is -0 for a min
 * if any -0 was seen, +0 for a max if any +0 was seen (the order-free rule Java's Math.min and
 * Math.max follow).
 */
typedef struct pl_extremum {
    int64_t dtype; /* element type of the data */
    int64_t op;    /* PL_MIN or PL_MAX */
    int64_t count; /* elements seen; 0 means empty, and then nan, index and value are 0 */
    int64_t nan;   /* 1 if a NaN was seen */
    int64_t index; /* see above */
    int64_t value; /* the extreme: an int64, or a double's bits (f32 data widened; NaN canonical) */
} pl_extremum;

/* Float variance, the centred sums: sums of d = x - center over the elements, center being one
 * value for the whole array (pl_variance_center, or pl_variance_recenter after a first pass). */
typedef struct pl_centered {
    double center;
    int64_t count;
    pl_acc dev; /* sum of d */
    pl_acc sq;  /* sum of d * d */
} pl_centered;

/* Integer variance, one phase: exact sums of x and x * x. */
typedef struct pl_moments {
    int64_t count;
    int64_t reserved; /* 0 */
    pl_wide sum;
    pl_wide sumsq;
} pl_moments;

/* Library facts. */
PL_API int pl_version(void);
PL_API int pl_cpu_level(void);    /* the highest level this CPU supports */
PL_API int pl_active_level(void); /* the level kernels use now */
/* Use a level no higher than pl_cpu_level (PL_E_LEVEL otherwise). The environment variable
 * PARALELO_SIMD=baseline|avx2|avx512 sets the initial level the same way. */
PL_API int pl_set_level(int level);
/* PL_OK, or PL_E_CONFIG when PARALELO_SIMD is set to a value that names no level; every kernel
 * then returns PL_E_CONFIG too, so a typo never runs silently at another level. */
PL_API int pl_check_config(void);
/* The kernels that read or write arrays (pl_partial, pl_partial_dot, pl_reduce, pl_variance,
 * pl_dot, the elementwise kernels, pl_slice_reduce, pl_reduceat, the probes) return PL_E_FAULT
 * when they touch a page of a mapped file that another process truncated away, instead of
 * dying of SIGBUS: the first such call installs a SIGBUS handler that jumps back out of the
 * kernel for those faults and hands every other SIGBUS to the handler it replaced. Output a
 * faulted call was writing is partly written. Returns 1 when the handler is installed, 0 when
 * the environment variable PARALELO_FAULT_GUARD=0 left SIGBUS alone (or it could not be set);
 * installs it if no call has yet. */
PL_API int pl_fault_guard(void);
PL_API int pl_max_threads(void); /* the default team size: OpenMP's setting (OMP_NUM_THREADS) */
/* The threads a call of n elements that costs `cost` ps per element on one core runs on, at
 * most `threads` (<= 0: pl_max_threads()): the kernels' own rule. */
PL_API int pl_team_size(int threads, int64_t n, int cost);
/* The cost in ns of a parallel call on t threads beyond its work, as the rule assumes: measured
 * on first need (the fastest of a few reductions of one block, back to back, capped at 50 us;
 * a measurement that reached the cap is taken again on a call 1, 2, 4 and 8 s later), or pinned
 * by pl_set_region_cost. */
PL_API int64_t pl_region_cost(int threads);
/* Pins the cost to ns for every team size (0: every call over PL_PARALLEL_MIN uses all the
 * threads it may, as the tests want), or with ns < 0 unpins it and measures it again. */
PL_API int pl_set_region_cost(int64_t ns);

/* Exact accumulator. An accumulator these functions did not leave (bytes from elsewhere: a digit
 * past what additions reach, a negative count, an addition counter out of range) is refused
 * with PL_E_ARG by pl_acc_merge, pl_acc_round, pl_acc_mean, pl_merge, pl_partial and
 * pl_variance_result, before anything is added; pl_acc_add and pl_acc_add_product check only
 * its counters (a whole check per element would cost more than the addition). */
PL_API int pl_acc_init(pl_acc *acc);
PL_API int pl_acc_add(pl_acc *acc, double x);
/* acc += x * y, the exact product (no rounding, overflow or underflow); a NaN or infinite
 * factor adds the IEEE product (inf * 0 is NaN). */
PL_API int pl_acc_add_product(pl_acc *acc, double x, double y);
PL_API int pl_acc_merge(pl_acc *dst, const pl_acc *src);
PL_API int pl_acc_round(const pl_acc *acc, double *out);
/* The mean of n elements whose sum acc holds: pl_acc_round / n, except that a finite sum too
 * large for a double gives its finite mean (rounded at a scale where it fits, then divided).
 * n == 0 gives NaN. */
PL_API int pl_acc_mean(const pl_acc *acc, int64_t n, double *out);

/*
 * The block partition: part `index` of `parts` of [0, n) is [*lo, *hi), whole blocks of
 * PL_BLOCK (the last part ends at n). Part i holds blocks [B*i/parts, B*(i+1)/parts) with
 * B = ceil(n / PL_BLOCK). Threads, worker processes and MPI ranks all split work this way.
 * 0 <= n <= 2^62 (no array is larger), 1 <= parts <= INT32_MAX.
 */
PL_API int pl_partition(int64_t n, int64_t parts, int64_t index, int64_t *lo, int64_t *hi);

/* Partial states. pl_state_kind: the PL_STATE_* of (dtype, op), or PL_E_ARG. pl_state_words:
 * the size of a kind's struct in int64 words. pl_state_layout: the byte offset of each field
 * of a kind's struct, in declaration order, then its size; n must be at least fields + 1. */
PL_API int pl_state_kind(int dtype, int op);
PL_API int pl_state_words(int kind);
PL_API int pl_state_layout(int kind, int64_t *offsets, int64_t n);
/* The identity of (dtype, op): an empty state. center is the mean a float PL_VAR state takes
 * its deviations from (any NaN is stored as the canonical one; ignored by other states). */
PL_API int pl_state_init(void *state, int dtype, int op, double center);
/*
 * Accumulates elements [lo, hi) of x[0, n) into a state made by pl_state_init for the same
 * dtype and op (PL_SUM, PL_MEAN, PL_MIN, PL_MAX or PL_VAR). Each end of the range must be a
 * multiple of PL_BLOCK or n (PL_E_ALIGN otherwise): only such ranges merge to the bits of the
 * whole. Indices in min/max states count from x[0].
 */
PL_API int pl_partial(int dtype, int op, const void *x, int64_t n, int64_t lo, int64_t hi,
                      int mode, int threads, void *state);
/* The same for the dot of x and y (state of op PL_DOT). */
PL_API int pl_partial_dot(int dtype, const void *x, const void *y, int64_t n, int64_t lo,
                          int64_t hi, int mode, int threads, void *state);
/* dst = merge(dst, src) for two states of one kind. PL_E_MISMATCH for min/max states of other
 * dtypes or ops, or centred states of other centres (the fields C can see); PL_E_ARG (dst
 * unchanged) for a min/max state that no call leaves: a dtype or op without one, a count
 * outside [0, 2^62], an empty state with a nonzero field, or an index outside [0, 2^62) or a
 * NaN flag that is not 0 or 1 (1 only for float data, set exactly when the value is a NaN);
 * PL_E_OVERFLOW (dst unchanged) when the element counts together pass 2^62. NaN and infinity
 * counts of pl_acc saturate at 2^62. PL_E_ARG too for a negative count or an accumulator no
 * call leaves (see "Exact accumulator"). pl_partial refuses such states (PL_E_ARG) too, a
 * state whose count would pass 2^62 with PL_E_OVERFLOW, a state of another dtype or op with
 * PL_E_MISMATCH, and a range outside [0, n) with PL_E_INDEX. */
PL_API int pl_merge(int kind, void *dst, const void *src);
/* Finishes. pl_wide_to_i64: PL_E_OVERFLOW if the value leaves int64. pl_wide_to_f64: rounded
 * once, to nearest even. pl_extremum_result: PL_E_EMPTY for no elements, PL_E_ARG for a state
 * pl_merge refuses; *out_f gets the value of float data (NaN if any), *out_i that of integer
 * data, *index the index (from x[0], so a partial of a later range has one past its count).
 * pl_variance_result: a PL_STATE_CENTERED or PL_STATE_MOMENTS state to the variance with ddof
 * degrees of freedom removed (NaN if count - ddof <= 0). */
PL_API int pl_wide_to_i64(const pl_wide *w, int64_t *out);
PL_API int pl_wide_to_f64(const pl_wide *w, double *out);
PL_API int pl_extremum_result(const pl_extremum *st, double *out_f, int64_t *out_i,
                              int64_t *index);
PL_API int pl_variance_result(int kind, const void *state, int ddof, double *out);
/*
 * The float variance in one pass, usually (docs/ACCURACY.md, "Variance"). pl_variance_center:
 * the centre its centred sums start from, the accurate mean of a sample of x[0, n): x itself
 * when n <= PL_BLOCK (NaN when n is 0), else the S = PL_VARIANCE_SAMPLE elements
 * x[floor((2k + 1) n / 2S)], k = 0 .. S-1, in that order, as an array of x's dtype.
 * pl_variance_recenter: *next = NaN when a centred state of the whole array (its partials
 * merged) is centred closely enough for its variance, else the centre of a second pass, whose
 * state is final. pl_variance is these steps on one array; they are here for partials.
 */
#define PL_VARIANCE_SAMPLE 1024
PL_API int pl_variance_center(int dtype, const void *x, int64_t n, double *center);
PL_API int pl_variance_recenter(const pl_centered *state, double *next);

/*
 * Reductions over n elements of x: the partial over [0, n), then its finish.
 * op PL_SUM, PL_MEAN, PL_MIN, PL_MAX. Results: floating sums and means go to *out_f; integer
 * sums, mins and maxes go to *out_i (PL_E_OVERFLOW if an integer sum does not fit); float
 * min/max go to *out_f. threads <= 0 means pl_max_threads(). n == 0: sum 0, mean NaN, min/max
 * PL_E_EMPTY.
 */
PL_API int pl_reduce(int dtype, int op, const void *x, int64_t n, int mode, int threads,
                     double *out_f, int64_t *out_i);

/* Variance with ddof (0 population, 1 sample). Floats: the centred sums d = x - c around the
 * sample's centre c (pl_variance_center), and around c + sum(d)/n again when c proves far from
 * the mean (pl_variance_recenter): var = (sum(d*d) - sum(d)^2 / n) / (n - ddof), exact for blocks
 * whose deviations or squares overflow and rescaled when the sums pass DBL_MAX, so that finite
 * data gives inf only for a variance past DBL_MAX, never NaN. Integers, one exact phase:
 * var = (n * sum(x*x) - sum(x)^2) / (n * (n - ddof)), rounded once. */
PL_API int pl_variance(int dtype, const void *x, int64_t n, int ddof, int mode, int threads,
                       double *out);

/* Dot product of x and y (same dtype). Floats: *out_f (blocks with a product that overflows or
 * underflows add exact products: docs/ACCURACY.md, "Extremes"); integers: exact, *out_i,
 * PL_E_OVERFLOW only if the final value leaves int64. */
PL_API int pl_dot(int dtype, const void *x, const void *y, int64_t n, int mode, int threads,
                  double *out_f, int64_t *out_i);

/* Elementwise, out[i] = a[i] op b[i]. Integer arithmetic wraps (two's complement), as numpy.
 * Elementwise outputs may be exactly an input; a partial overlap is undefined here (the Java
 * API copies the overlapping input first, which is numpy's rule). */
PL_API int pl_binary(int dtype, int op, const void *a, const void *b, void *out, int64_t n,
                     int threads);
/* out[i] = alpha * x[i]; floats use alpha_f (f32: (float)alpha_f), integers alpha_i. */
PL_API int pl_scale(int dtype, const void *x, double alpha_f, int64_t alpha_i, void *out,
                    int64_t n, int threads);
/* y[i] = alpha * x[i] + y[i], two roundings (no fused multiply-add). */
PL_API int pl_axpy(int dtype, double alpha_f, int64_t alpha_i, const void *x, void *y,
                   int64_t n, int threads);
PL_API int pl_fill(int dtype, void *out, double value_f, int64_t value_i, int64_t n,
                   int threads);
/* dst[i] = src[i]; overlapping ranges are allowed (memmove). */
PL_API int pl_copy(int dtype, const void *src, void *dst, int64_t n, int threads);

/*
 * Slice reductions. out element types: PL_SUM and PL_MEAN of floats -> double; PL_SUM of
 * integers -> int64; PL_MEAN of integers -> double; PL_MIN and PL_MAX -> the input dtype.
 * Each slice's result has the bits pl_reduce gives for that slice as an array of its own
 * (blocks counted from the slice start).
 * pl_slice_reduce: out[j] = op(x[j*k .. min((j+1)*k, n))), j < ceil(n / k), k >= 1.
 * pl_reduceat: numpy add.reduceat semantics over m offsets, each in [0, n):
 * out[j] = op(x[off[j] .. off[j+1])) when off[j] < off[j+1], else x[off[j]]; the last slice
 * runs to n. Each offset is checked as it is read (PL_E_INDEX when outside [0, n)), so offsets
 * that another thread or process writes during the call never become addresses.
 * out must not overlap x or offsets (the result would depend on the order of slices).
 * PL_E_OVERFLOW when an integer slice's sum leaves int64 (that out[j] is not written).
 */
PL_API int pl_slice_reduce(int dtype, int op, const void *x, int64_t n, int64_t k, void *out,
                           int threads);
PL_API int pl_reduceat(int dtype, int op, const void *x, int64_t n, const int64_t *offsets,
                       int64_t m, void *out, int threads);

/* Memory-bandwidth probe: reads n doubles with 8 independent SIMD accumulators and the kernels'
 * prefetch, no compensation, the ceiling a reduction can reach, on the team size a kernel
 * would use. *out receives the (unordered) sum. */
PL_API int pl_probe_read(const double *x, int64_t n, int threads, double *out);
/* The TwoSum ceiling: the same reads with the accurate mode's TwoSum on 4 interleaved groups of
 * 8 lanes (no blocks, folds or exact combine), the fastest accurate mode could be. */
PL_API int pl_probe_twosum(const double *x, int64_t n, int threads, double *out);

/*
 * Cross-process barrier in shared memory (a mapped file), used by Java's SharedBarrier and by
 * C peers alike. Every field has its own 64-byte cache line so waiters polling `generation`
 * do not slow the arrivals on `arrived`. Memory ordering (docs/FORMAT.md):
 *  - a waiter reads `generation` with acquire, then increments `arrived` (sequentially
 *    consistent read-modify-write);
 *  - the last arrival stores 0 to `arrived`, then stores generation + 1 with release;
 *  - the others spin until `generation` (acquire) changes, so everything written before any
 *    party arrived is visible to every party after the wait.
 * A wait that times out breaks the barrier for good: it swaps `generation` from its value to
 * PL_BARRIER_BROKEN (a compare-and-swap, so a generation that completed first is not broken),
 * and the last arrival publishes generation + 1 by a compare-and-swap too. From then on every
 * wait, in any process, fails with PL_E_TIMEOUT at once: a lone party that retries after its
 * own timeout does not pass the barrier alone. Create a new one.
 */
#define PL_BARRIER_MAGIC 0x314252424C50LL /* "PLBRB1" */
#define PL_BARRIER_BROKEN (-1LL)         /* `generation` of a broken barrier */
typedef struct pl_barrier {
    int64_t magic;
    int64_t parties;
    int64_t pad0[6];
    int64_t arrived;
    int64_t pad1[7];
    int64_t generation;
    int64_t pad2[7];
} pl_barrier;

/* Fills offsets[0..3] with the byte offsets of magic, parties, arrived and generation, and
 * offsets[4] with sizeof(pl_barrier); n must be at least 5. */
PL_API int pl_barrier_layout(int64_t *offsets, int64_t n);
/* Initialises the barrier at b (64-byte aligned) for `parties` parties (at least 1). */
PL_API int pl_barrier_init(void *b, int64_t parties);
/* Waits until `parties` callers have arrived, or timeout_ns passes (PL_E_TIMEOUT; any
 * timeout_ns >= 0 is valid, INT64_MAX waits for ever). PL_E_TIMEOUT also when the barrier is
 * or becomes broken (an earlier wait timed out); PL_E_LAYOUT when b holds no barrier or one
 * with fewer than 1 party, or when another process re-initialised, zeroed or overwrote the
 * barrier during the wait (its generation went back, its magic or party count changed): such a
 * wait never passes. */
PL_API int pl_barrier_wait(void *b, int64_t timeout_ns);

/*
 * Ring file: the worker pool's local transport (docs/FORMAT.md, "Ring file"; Java:
 * dev.paralelo.pool.shm, RingFileLayout and RingLayout). The file is a .npy array of int64; at
 * its data start (64-byte aligned) lies a pl_ring_file, then the task ring (parent to workers),
 * then the result ring (workers to parent), each `ring_length` bytes: a pl_ring, `slots`
 * pl_ring_slot descriptors, `slots` int64 owner words, `slots * slot_bytes` data bytes, padding
 * to 128. The owner word of slot s is owner word number (s & 7) * (slots / 8) + (s >> 3), so
 * the owners of consecutive positions lie on different cache lines (at 64 slots or more),
 * none of them a line of descriptors that consumers poll (pl_ring_offsets gives every offset).
 *
 * Positions are int64 counters that only grow; position p uses slot p & (slots - 1). A frame of
 * n bytes is a record of max(1, ceil(n / slot_bytes)) consecutive positions. A slot's `sequence`
 * is p while free for p (or claimed and not yet published), p + 1 once published, p + slots once
 * released. Its owner word is (lap << 32) | who, lap = p >> log2(slots) truncated to 32 bits, who 0,
 * a producer's pid, PL_RING_READER | a consumer's pid, or PL_RING_RECLAIMED (the parent took the
 * record over from a dead owner); the lap before's word and (lap, 0) name nobody for p. Memory
 * ordering:
 *  - produce: read `tail`; every slot of [t, t+k) must have sequence == its position (acquire),
 *    else the ring is full; compare-and-swap `tail` t -> t+k; compare-and-swap the owner of t
 *    from the word read there, if it names nobody, to (lap, pid) (any other word: the parent
 *    took the claim over, so claim again); write `length` and the bytes; store sequence t + 1
 *    with release;
 *  - consume: read `head` h and sequence of h (acquire); at h + 1 read `length`, compare-and-swap
 *    `head` h -> h+k, compare-and-swap owner (lap, producer) -> (lap, PL_RING_READER | pid) (if
 *    that fails, skip the record: it was reclaimed), copy the bytes out, then release each slot,
 *    the first last: owner (next lap, 0) except the first slot's (it keeps this lap's word, so
 *    consumers never write the owner lines), then sequence p + slots with release.
 * A record with a negative length is a skipped one of -length positions (what the parent
 * publishes over a dead producer's claim): consumers release it without delivering.
 * pl_ring_offer and pl_ring_poll follow this protocol, as Java's ShmRing does; they never wait.
 * They are a worker's ends: the parent alone produces on the task ring and consumes from the
 * result ring, and skips the compare-and-swaps there (docs/FORMAT.md, "The parent's ends"), so a
 * C process must never offer on the task ring or poll the result ring of a pool.
 */
#define PL_RING_MAGIC 0x474E49524C50LL /* "PLRING" */
#define PL_RING_VERSION 2 /* 2: owner words out of the descriptors */
#define PL_RING_TASKS 0              /* `which` ring: parent to workers */
#define PL_RING_RESULTS 1            /* `which` ring: workers to parent */
#define PL_RING_READER 0x40000000    /* owner bit: taken by the consumer whose pid is below it */
#define PL_RING_RECLAIMED 0x80000000LL /* owner's low 32 bits: taken over by the parent */
#define PL_RING_MAX_PID 4194303      /* largest pid an owner word holds (2^22 - 1) */
#define PL_RING_FULL 1               /* pl_ring_offer: no room now (not an error) */
#define PL_RING_EMPTY 1              /* pl_ring_poll: nothing published now (not an error) */

typedef struct pl_ring_slot {
    int64_t sequence;
    int32_t length; /* frame bytes, or minus the positions of a skipped record */
    int32_t reserved[5];
} pl_ring_slot;

typedef struct pl_ring {
    int64_t tail; /* next position producers claim */
    int64_t pad0[15];
    int64_t head; /* next position consumers claim */
    int64_t pad1[15];
    pl_ring_slot slots[]; /* then slots owner words and slots * slot_bytes data bytes */
} pl_ring;

typedef struct pl_ring_file {
    int64_t magic; /* PL_RING_MAGIC, stored last (release) when the file is made */
    int32_t version;
    int32_t header_length; /* sizeof(pl_ring_file) */
    int32_t slot_bytes;    /* a power of two in [8, 65536] */
    int32_t slots;         /* a power of two in [16, 2^24] */
    int32_t max_frame;     /* at most slots * slot_bytes / 2 */
    int32_t slot_length;   /* sizeof(pl_ring_slot) */
    int64_t ring_length;
    int64_t parent_pid;
    int64_t pad0[10];
    int64_t heartbeat; /* the parent adds 1 at least every 100 ms */
    int64_t pad1[15];
    int64_t closed; /* 1 once the parent closed the transport (release) */
    int64_t pad2[31];
} pl_ring_file;

/* Fills offsets[0..18]: pl_ring_file's magic, version, header_length, slot_bytes, slots,
 * max_frame, slot_length, ring_length, parent_pid, heartbeat, closed and its size; pl_ring's
 * tail, head, slots and its size; pl_ring_slot's sequence, length and its size. n must be at
 * least 19. */
PL_API int pl_ring_layout(int64_t *offsets, int64_t n);
/* Fills offsets[0..3] with the byte offsets, from the start of a ring of `slots` slots of
 * `slot_bytes` bytes, of position pos's descriptor, its owner word and its data, and with the
 * ring's length. PL_E_ARG unless slots and slot_bytes are powers of two in range, pos >= 0 and
 * n >= 4. */
PL_API int pl_ring_offsets(int64_t slots, int64_t slot_bytes, int64_t pos, int64_t *offsets, int64_t n);
/* PL_OK if the `bytes` bytes at file (64-byte aligned) hold a ring file this library can use:
 * magic, version, sizes, and rings that fit; PL_E_LAYOUT if not, PL_E_ARG for a null pointer. */
PL_API int pl_ring_check(const void *file, int64_t bytes);
/* Queues frame[0, len) on ring `which` as process `pid`: PL_OK, or PL_RING_FULL when it has no
 * room now; PL_E_ARG when len is outside [0, max_frame] or pid outside [1, PL_RING_MAX_PID];
 * PL_E_LAYOUT when pl_ring_check fails or the ring is corrupt: a cursor outside [0, 2^62], or
 * a sequence word that no step of the protocol leaves where it is read. */
PL_API int pl_ring_offer(void *file, int64_t bytes, int which, const void *frame, int64_t len,
                         int64_t pid);
/* Takes the next frame of ring `which` as process `pid` into out (capacity bytes, at least
 * max_frame) and its length into *len: PL_OK, or PL_RING_EMPTY when none is published now;
 * PL_E_LAYOUT when pl_ring_check fails or the ring is corrupt: a record's length, the head or
 * a sequence word, as for pl_ring_offer. */
PL_API int pl_ring_poll(void *file, int64_t bytes, int which, void *out, int64_t capacity,
                        int64_t *len, int64_t pid);

#ifdef __cplusplus
}
#endif
#endif /* PARALELO_H */
