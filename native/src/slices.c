/*
 * Slice reductions. Each slice is reduced exactly as pl_reduce reduces an array of its own
 * (blocks counted from the slice start), by one thread, so a slice's bits never depend on how
 * slices were shared out, nor differ from the whole-array kernel's. Java's twin is
 * dev.paralelo.kernel.Slices.
 */
#include "impl.h"

#include <omp.h>

/*
 * Slices of at most SLICE_BATCH_MAX elements go through im->slice_sums, a batch of slices per
 * SIMD vector: each slice's elements are loaded whole and transposed in registers, so that a
 * vector holds one lane of every slice of the batch. Measured (one thread, Zen 5, AVX-512,
 * GB/s, batch vs one slice at a time): k = 8: 8.0 vs 6.3 at 2^17, 7.0 vs 3.9 at 2^24; k = 16:
 * 11-13 vs 10 at 2^17, 11-12 vs 8 at 2^24. From k = 32 the batch reads too many streams at once
 * to win from memory (k = 64 at 2^24: 12.6 vs 18.7), so larger slices go one at a time. (The
 * batch used to gather its slices element by element, and lost from memory even at k = 8.)
 */
#define SLICE_BATCH_MAX 16

static int slice_op_ok(int dtype, int op, const void *x, int64_t n, const void *out) {
    if (pl_dtype_size(dtype) == 0 || op < PL_SUM || op > PL_MAX || n < 0) return 0;
    return n == 0 || (x && out);
}

/* op over x[a, b), b > a, written to out[j] in the output type of (dtype, op). */
static int reduce_slice(const pl_impl *im, int dtype, int op, const void *x, int64_t a,
                        int64_t b, void *out, int64_t j) {
    const void *start = (const char *)x + a * pl_dtype_size(dtype);
    double f = 0;
    int64_t i = 0;
    int s = pl_reduce_serial(im, dtype, op, start, b - a, PL_ACCURATE, &f, &i);
    if (s != PL_OK) return s;
    if (op == PL_MEAN || (op == PL_SUM && pl_dtype_is_float(dtype)))
        ((double *)out)[j] = f;
    else if (op == PL_SUM || dtype == PL_I64)
        ((int64_t *)out)[j] = i;
    else if (dtype == PL_I32)
        ((int32_t *)out)[j] = (int32_t)i;
    else if (dtype == PL_F64)
        ((double *)out)[j] = f;
    else
        ((float *)out)[j] = (float)f;
    return PL_OK;
}

int pl_slice_reduce(int dtype, int op, const void *x, int64_t n, int64_t k, void *out,
                    int threads) {
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    if (!slice_op_ok(dtype, op, x, n, out) || k < 1) return PL_E_ARG;
    int64_t m = n / k + (n % k != 0);
    int t = pl_team_size(threads, n, PL_COST_ACCURATE);
    int status = PL_OK;
    int64_t first = 0; /* slices before `first` were done in batches */
    if (pl_dtype_is_float(dtype) && (op == PL_SUM || op == PL_MEAN) && k <= SLICE_BATCH_MAX) {
        /* Whole slices, slice_batch at a time in SIMD lanes; the same bits as one by one. */
        int64_t batch = im->slice_batch, batches = (n / k) / batch;
        double *o = out;
#pragma omp parallel for num_threads(t) schedule(static) if (t > 1)
        for (int64_t g = 0; g < batches; g++) {
            int64_t j = g * batch;
            unsigned redo = im->slice_sums(dtype, x, k, j, o);
            for (int64_t q = 0; q < batch; q++) {
                if (redo & (1u << q)) { /* not finite in a lane: the slice's exact path */
                    int s = reduce_slice(im, dtype, op, x, (j + q) * k, (j + q + 1) * k, out, j + q);
                    if (s != PL_OK) {
#pragma omp atomic write
                        status = s;
                    }
                } else if (op == PL_MEAN) {
                    o[j + q] /= (double)k;
                }
            }
        }
        first = batches * batch;
    }
#pragma omp parallel for num_threads(t) schedule(static) if (t > 1)
    for (int64_t j = first; j < m; j++) {
        int64_t a = j * k, b = a + k < n ? a + k : n;
        int s = reduce_slice(im, dtype, op, x, a, b, out, j);
        if (s != PL_OK) {
#pragma omp atomic write
            status = s;
        }
    }
    return status;
}

int pl_reduceat(int dtype, int op, const void *x, int64_t n, const int64_t *offsets, int64_t m,
                void *out, int threads) {
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    if (!slice_op_ok(dtype, op, x, n, out) || m < 0 || (m > 0 && (!offsets || !out)))
        return PL_E_ARG;
    for (int64_t j = 0; j < m; j++)
        if (offsets[j] < 0 || offsets[j] >= n) return PL_E_INDEX;
    int t = pl_team_size(threads, n, PL_COST_ACCURATE);
    int status = PL_OK;
#pragma omp parallel for num_threads(t) schedule(dynamic, 64) if (t > 1)
    for (int64_t j = 0; j < m; j++) {
        /* Each offset is read once and checked where it is used: another thread or process may
         * write the offsets (or out may be them) while slices run, and a value that changed
         * after the check above must never become an address. */
        int64_t a = __atomic_load_n(&offsets[j], __ATOMIC_RELAXED);
        int64_t b = j + 1 < m ? __atomic_load_n(&offsets[j + 1], __ATOMIC_RELAXED) : n;
        if (a < 0 || a >= n || b < 0 || b > n) {
#pragma omp atomic write
            status = PL_E_INDEX;
            continue;
        }
        if (b <= a) b = a + 1; /* numpy: a non-increasing pair yields x[a] */
        int s = reduce_slice(im, dtype, op, x, a, b, out, j);
        if (s != PL_OK) {
#pragma omp atomic write
            status = s;
        }
    }
    return status;
}
