/*
 * paralelo.h - the whole C ABI of libparalelo.
 *
 * Every function returns an int status: PL_OK (0) on success, a negative PL_E_* code on
 * failure. No function aborts, prints or keeps state between calls, except the CPU-feature
 * table (pl_set_level). Arrays are plain pointers to little-endian elements of the given
 * pl_dtype, aligned to their element size; lengths are element counts.
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

#define PL_VERSION 1

/* Status codes. */
#define PL_OK 0
#define PL_E_ARG (-1)      /* a null pointer, a negative length, an unknown enum value */
#define PL_E_OVERFLOW (-2) /* an integer result does not fit in int64 */
#define PL_E_EMPTY (-3)    /* min/max of no elements */
#define PL_E_LEVEL (-4)    /* a SIMD level this CPU does not support */
#define PL_E_INDEX (-5)    /* an offset outside [0, n) */
#define PL_E_TIMEOUT (-6)  /* a barrier wait ran out of time */
#define PL_E_LAYOUT (-7)   /* shared memory that does not hold the expected layout */

/* Element types. */
#define PL_F64 0
#define PL_F32 1
#define PL_I64 2
#define PL_I32 3

/* Reduction operations for pl_reduce, pl_slice_reduce and pl_reduceat. */
#define PL_SUM 0
#define PL_MEAN 1
#define PL_MIN 2
#define PL_MAX 3

/* Elementwise binary operations for pl_binary. */
#define PL_ADD 0
#define PL_SUB 1
#define PL_MUL 2

/* Summation modes. */
#define PL_ACCURATE 0 /* 8 TwoSum lanes, block partials summed exactly: about 1 ulp of error */
#define PL_FAST 1     /* 32 plain lanes (sum, dot), exact combine: numpy-level accuracy */

/* SIMD levels. */
#define PL_LEVEL_BASELINE 0 /* x86-64 (SSE2) */
#define PL_LEVEL_AVX2 1     /* AVX2 + FMA */
#define PL_LEVEL_AVX512 2   /* AVX-512 F/DQ/VL/BW */

/* Fixed geometry of every floating-point reduction. */
#define PL_BLOCK 4096 /* elements per block; blocks start at multiples of PL_BLOCK */
#define PL_LANES 8    /* virtual lanes; element i of a block goes to lane i % PL_LANES */
#define PL_FAST_LANES 32 /* lanes of fast-mode sums and dots */

/*
 * Exact accumulator: a fixed-point integer wide enough to hold any sum of up to 2^62
 * finite doubles without rounding. Digit k holds bits [32k, 32k+32) of the value in
 * units of 2^-1074 (signed, carries pending until normalised). Adding is exact, so merging
 * accumulators is associative and commutative: partials made by threads, processes or
 * MPI ranks merge to the same bits in any order. pl_acc_round rounds once, to nearest even.
 * The struct is 72 int64 words; Java's ExactSum uses the same layout.
 */
#define PL_ACC_DIGITS 68
typedef struct pl_acc {
    int64_t digit[PL_ACC_DIGITS];
    int64_t adds;    /* additions since the last normalisation */
    int64_t nan;     /* count of NaN terms */
    int64_t pos_inf; /* count of +inf terms */
    int64_t neg_inf; /* count of -inf terms */
} pl_acc;

/* Library facts. */
PL_API int pl_version(void);
PL_API int pl_cpu_level(void);    /* the highest level this CPU supports */
PL_API int pl_active_level(void); /* the level kernels use now */
/* Use a level no higher than pl_cpu_level (PL_E_LEVEL otherwise). The environment variable
 * PARALELO_SIMD=baseline|avx2|avx512 sets the initial level the same way. */
PL_API int pl_set_level(int level);
PL_API int pl_max_threads(void); /* OpenMP's default team size */

/* Exact accumulator. */
PL_API int pl_acc_init(pl_acc *acc);
PL_API int pl_acc_add(pl_acc *acc, double x);
PL_API int pl_acc_merge(pl_acc *dst, const pl_acc *src);
PL_API int pl_acc_round(const pl_acc *acc, double *out);

/*
 * Reductions over n elements of x.
 * op PL_SUM, PL_MEAN, PL_MIN, PL_MAX. Results: floating sums and means go to *out_f; integer
 * sums, mins and maxes go to *out_i (PL_E_OVERFLOW if an i64 sum does not fit); float min/max
 * go to *out_f. threads <= 0 means pl_max_threads(). n == 0: sum 0, mean NaN, min/max PL_E_EMPTY.
 */
PL_API int pl_reduce(int dtype, int op, const void *x, int64_t n, int mode, int threads,
                     double *out_f, int64_t *out_i);

/* Adds the block partials of sum(x[0..n)) into acc (floating dtypes only). Together with
 * pl_acc_merge this lets any process sum any block-aligned range and merge later. */
PL_API int pl_sum_partial(int dtype, const void *x, int64_t n, int mode, int threads,
                          pl_acc *acc);

/* Variance with ddof (0 population, 1 sample), two-pass: exact-sum mean, then compensated
 * sums of d = x - mean and d*d: var = (sum(d*d) - sum(d)^2 / n) / (n - ddof). */
PL_API int pl_variance(int dtype, const void *x, int64_t n, int ddof, int mode, int threads,
                       double *out);

/* Dot product of x and y (same dtype). Floats: *out_f; integers: exact, *out_i. */
PL_API int pl_dot(int dtype, const void *x, const void *y, int64_t n, int mode, int threads,
                  double *out_f, int64_t *out_i);

/* Elementwise, out[i] = a[i] op b[i]. Integer arithmetic wraps (two's complement), as numpy. */
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
 * pl_slice_reduce: out[j] = op(x[j*k .. min((j+1)*k, n))), j < ceil(n / k), k >= 1.
 * pl_reduceat: numpy add.reduceat semantics over m offsets, each in [0, n):
 * out[j] = op(x[off[j] .. off[j+1])) when off[j] < off[j+1], else x[off[j]]; the last slice
 * runs to n.
 */
PL_API int pl_slice_reduce(int dtype, int op, const void *x, int64_t n, int64_t k, void *out,
                           int threads);
PL_API int pl_reduceat(int dtype, int op, const void *x, int64_t n, const int64_t *offsets,
                       int64_t m, void *out, int threads);

/* Memory-bandwidth probe: reads n doubles with 8 independent SIMD accumulators, no
 * compensation, the ceiling a reduction can reach. *out receives the (unordered) sum. */
PL_API int pl_probe_read(const double *x, int64_t n, int threads, double *out);

/*
 * Cross-process barrier in shared memory (a mapped file), used by Java's SharedBarrier and by
 * C peers alike. Every field has its own 64-byte cache line so waiters polling `generation`
 * do not slow the arrivals on `arrived`. Memory ordering (docs/FORMAT.md):
 *  - a waiter reads `generation` with acquire, then increments `arrived` (sequentially
 *    consistent read-modify-write);
 *  - the last arrival stores 0 to `arrived`, then stores generation + 1 with release;
 *  - the others spin until `generation` (acquire) changes, so everything written before any
 *    party arrived is visible to every party after the wait.
 * A wait that times out leaves the barrier broken; create a new one.
 */
#define PL_BARRIER_MAGIC 0x314252424C50LL /* "PLBRB1" */
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
/* Initialises the barrier at b (64-byte aligned) for `parties` parties. */
PL_API int pl_barrier_init(void *b, int64_t parties);
/* Waits until `parties` callers have arrived, or timeout_ns passes (PL_E_TIMEOUT). */
PL_API int pl_barrier_wait(void *b, int64_t timeout_ns);

#ifdef __cplusplus
}
#endif
#endif /* PARALELO_H */
