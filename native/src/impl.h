/*
 * Internal: the table of single-threaded range kernels that one SIMD level provides.
 * impl.c is compiled once per level (baseline, AVX2, AVX-512) with its own target flags;
 * cpu.c picks the table at run time. The public functions in reduce.c, elementwise.c and
 * slices.c validate arguments, split work between OpenMP threads and call these.
 */
#ifndef PL_IMPL_H
#define PL_IMPL_H

#include "paralelo.h"

/* State of a min or max over floats: the extreme value so far and whether a NaN was seen. */
typedef struct pl_fext {
    double value;
    int has;
    int nan;
} pl_fext;

/* Exact integer sums use 128 bits, so no partial sum can overflow. */
__extension__ typedef __int128 pl_i128;

typedef struct pl_impl {
    const char *name;
    /* Adds the lane partials of the blocks in [lo, hi) to acc; lo is a multiple of PL_BLOCK. */
    void (*sum)(int dtype, int mode, const void *x, int64_t lo, int64_t hi, pl_acc *acc);
    /* Sum of n <= PL_BLOCK elements as hi + lo of the single block's partial; 0 if that partial
     * is not finite (the caller then takes the exact path). */
    int (*sum_small)(int dtype, int mode, const void *x, int64_t n, double *out);
    void (*dot)(int dtype, int mode, const void *x, const void *y, int64_t lo, int64_t hi,
                pl_acc *acc);
    /* Adds the partials of sum((x - mean)^2) to q and of sum(x - mean) to d. */
    void (*var)(int dtype, int mode, const void *x, int64_t lo, int64_t hi, double mean,
                pl_acc *q, pl_acc *d);
    /* Float min (op PL_MIN) or max (PL_MAX) of [lo, hi) folded into st. */
    void (*fext)(int dtype, int op, const void *x, int64_t lo, int64_t hi, pl_fext *st);
    /* Integer min or max of [lo, hi), hi > lo. */
    int64_t (*iext)(int dtype, int op, const void *x, int64_t lo, int64_t hi);
    /* Exact integer sum of [lo, hi). */
    pl_i128 (*isum)(int dtype, const void *x, int64_t lo, int64_t hi);
    /* Exact integer dot of [lo, hi); sets *overflow when a partial leaves 128 bits. */
    pl_i128 (*idot)(int dtype, const void *x, const void *y, int64_t lo, int64_t hi,
                    int *overflow);
    void (*binary)(int dtype, int op, const void *a, const void *b, void *out, int64_t lo,
                   int64_t hi);
    void (*scale)(int dtype, const void *x, double af, int64_t ai, void *out, int64_t lo,
                  int64_t hi);
    void (*axpy)(int dtype, double af, int64_t ai, const void *x, void *y, int64_t lo,
                 int64_t hi);
    void (*fill)(int dtype, void *out, double vf, int64_t vi, int64_t lo, int64_t hi);
    /* op over x[a, b), b > a, written to out[j]; PL_E_OVERFLOW if an integer sum leaves int64. */
    int (*slice)(int dtype, int op, const void *x, int64_t a, int64_t b, void *out, int64_t j);
    /* Unordered sum of [lo, hi) with 32 plain accumulators: the bandwidth probe. */
    double (*probe)(const double *x, int64_t lo, int64_t hi);
} pl_impl;

extern const pl_impl pl_impl_baseline;
extern const pl_impl pl_impl_avx2;
extern const pl_impl pl_impl_avx512;

/* The table of the active level (cpu.c). */
const pl_impl *pl_impl_active(void);

/* Exact accumulator internals shared by the kernels (accum.c). */
void pl_acc_add_term(pl_acc *acc, double x);
void pl_acc_normalize(pl_acc *acc);

/* Bytes per element of a dtype, or 0 if the dtype is unknown. */
int pl_dtype_size(int dtype);
static inline int pl_dtype_is_float(int dtype) { return dtype == PL_F64 || dtype == PL_F32; }

/* The number of threads a call of n elements gets: 1 below the parallel threshold. */
int pl_team_size(int threads, int64_t n);
#define PL_PARALLEL_MIN 32768

#endif
