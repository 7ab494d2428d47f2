/*
 * Reductions: argument checks, the OpenMP split and the combine.
 *
 * Threads take contiguous runs of whole blocks (block boundaries are multiples of PL_BLOCK
 * from element 0, whatever the thread count). Each thread adds its blocks' lane partials to
 * a private exact accumulator; the accumulators are merged exactly, so the merge order that
 * OpenMP happens to produce cannot change a bit of the result.
 */
#include "impl.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* The elements [lo, hi) of thread id out of nt, in whole blocks. */
static void block_range(int64_t n, int id, int nt, int64_t *lo, int64_t *hi) {
    int64_t blocks = (n + PL_BLOCK - 1) / PL_BLOCK;
    int64_t b0 = blocks * id / nt, b1 = blocks * (id + 1) / nt;
    *lo = b0 * PL_BLOCK;
    *hi = b1 * PL_BLOCK < n ? b1 * PL_BLOCK : n;
}

static int check_array(int dtype, const void *x, int64_t n) {
    if (pl_dtype_size(dtype) == 0 || n < 0) return PL_E_ARG;
    if (n > 0 && !x) return PL_E_ARG;
    return PL_OK;
}

static void sum_into(int dtype, int mode, const void *x, int64_t n, int threads, pl_acc *acc) {
    const pl_impl *im = pl_impl_active();
    int t = pl_team_size(threads, n);
    if (t == 1) {
        im->sum(dtype, mode, x, 0, n, acc);
        return;
    }
#pragma omp parallel num_threads(t)
    {
        pl_acc local;
        pl_acc_init(&local);
        int64_t lo, hi;
        block_range(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
        if (lo < hi) im->sum(dtype, mode, x, lo, hi, &local);
#pragma omp critical(pl_acc_combine)
        pl_acc_merge(acc, &local);
    }
}

int pl_sum_partial(int dtype, const void *x, int64_t n, int mode, int threads, pl_acc *acc) {
    if (check_array(dtype, x, n) || !pl_dtype_is_float(dtype) || !acc) return PL_E_ARG;
    if (mode != PL_ACCURATE && mode != PL_FAST) return PL_E_ARG;
    sum_into(dtype, mode, x, n, threads, acc);
    return PL_OK;
}

static pl_i128 isum(int dtype, const void *x, int64_t n, int threads) {
    const pl_impl *im = pl_impl_active();
    int t = pl_team_size(threads, n);
    if (t == 1) return im->isum(dtype, x, 0, n);
    pl_i128 total = 0;
#pragma omp parallel num_threads(t)
    {
        int64_t lo, hi;
        block_range(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
        pl_i128 part = lo < hi ? im->isum(dtype, x, lo, hi) : 0;
#pragma omp critical(pl_isum_combine)
        total += part;
    }
    return total;
}

/* Float min or max: NaN wins, then comparisons, then the sign of a zero result. */
static double fextreme(int dtype, int op, const void *x, int64_t n, int threads) {
    const pl_impl *im = pl_impl_active();
    int t = pl_team_size(threads, n);
    pl_fext st = {0, 0, 0};
    if (t == 1) {
        im->fext(dtype, op, x, 0, n, &st);
    } else {
#pragma omp parallel num_threads(t)
        {
            pl_fext mine = {0, 0, 0};
            int64_t lo, hi;
            block_range(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
            if (lo < hi) im->fext(dtype, op, x, lo, hi, &mine);
#pragma omp critical(pl_fext_combine)
            if (mine.has) {
                st.nan |= mine.nan;
                if (!st.has || (op == PL_MIN ? mine.value < st.value : mine.value > st.value))
                    st.value = mine.value;
                st.has = 1;
            }
        }
    }
    if (st.nan) return NAN;
    if (st.value == 0) {
        /* Comparisons cannot tell -0 from +0; decide as Java's Math.min/max do. */
        int want_neg = op == PL_MIN;
        for (int64_t i = 0; i < n; i++) {
            double v = dtype == PL_F64 ? ((const double *)x)[i] : (double)((const float *)x)[i];
            if (v == 0 && (signbit(v) != 0) == want_neg) return v;
        }
    }
    return st.value;
}

static int64_t iextreme(int dtype, int op, const void *x, int64_t n, int threads) {
    const pl_impl *im = pl_impl_active();
    int t = pl_team_size(threads, n);
    if (t == 1) return im->iext(dtype, op, x, 0, n);
    int64_t r = im->iext(dtype, op, x, 0, 1);
#pragma omp parallel num_threads(t)
    {
        int64_t lo, hi;
        block_range(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
        if (lo < hi) {
            int64_t v = im->iext(dtype, op, x, lo, hi);
#pragma omp critical(pl_iext_combine)
            if (op == PL_MIN ? v < r : v > r) r = v;
        }
    }
    return r;
}

int pl_reduce(int dtype, int op, const void *x, int64_t n, int mode, int threads,
              double *out_f, int64_t *out_i) {
    if (check_array(dtype, x, n) || !out_f || !out_i) return PL_E_ARG;
    if (op < PL_SUM || op > PL_MAX || (mode != PL_ACCURATE && mode != PL_FAST)) return PL_E_ARG;
    int fl = pl_dtype_is_float(dtype);
    if (op == PL_MIN || op == PL_MAX) {
        if (n == 0) return PL_E_EMPTY;
        if (fl)
            *out_f = fextreme(dtype, op, x, n, threads);
        else
            *out_i = iextreme(dtype, op, x, n, threads);
        return PL_OK;
    }
    if (fl) {
        double s;
        if (n > PL_BLOCK || !pl_impl_active()->sum_small(dtype, mode, x, n, &s)) {
            pl_acc acc;
            pl_acc_init(&acc);
            sum_into(dtype, mode, x, n, threads, &acc);
            pl_acc_round(&acc, &s);
        }
        *out_f = op == PL_SUM ? s : s / (double)n; /* 0/0 is NaN for an empty mean */
        return PL_OK;
    }
    pl_i128 s = n > 0 ? isum(dtype, x, n, threads) : 0;
    if (op == PL_MEAN) {
        *out_f = (double)s / (double)n;
        return PL_OK;
    }
    if (s > INT64_MAX || s < INT64_MIN) return PL_E_OVERFLOW;
    *out_i = (int64_t)s;
    return PL_OK;
}

/* The mean the variance centres on: the exact sum, rounded, divided by n. */
static double mean_of(int dtype, const void *x, int64_t n, int mode, int threads) {
    if (pl_dtype_is_float(dtype)) {
        double small;
        if (n <= PL_BLOCK && pl_impl_active()->sum_small(dtype, mode, x, n, &small)) return small / (double)n;
        pl_acc acc;
        pl_acc_init(&acc);
        sum_into(dtype, mode, x, n, threads, &acc);
        double s;
        pl_acc_round(&acc, &s);
        return s / (double)n;
    }
    return (double)isum(dtype, x, n, threads) / (double)n;
}

int pl_variance(int dtype, const void *x, int64_t n, int ddof, int mode, int threads,
                double *out) {
    if (check_array(dtype, x, n) || !out || ddof < 0) return PL_E_ARG;
    if (mode != PL_ACCURATE && mode != PL_FAST) return PL_E_ARG;
    if (n - ddof <= 0) {
        *out = NAN; /* numpy: no degrees of freedom left */
        return PL_OK;
    }
    double mean = mean_of(dtype, x, n, mode, threads);
    if (!isfinite(mean)) {
        *out = NAN;
        return PL_OK;
    }
    const pl_impl *im = pl_impl_active();
    pl_acc q, d;
    pl_acc_init(&q);
    pl_acc_init(&d);
    int t = pl_team_size(threads, n);
    if (t == 1) {
        im->var(dtype, mode, x, 0, n, mean, &q, &d);
    } else {
#pragma omp parallel num_threads(t)
        {
            pl_acc lq, ld;
            pl_acc_init(&lq);
            pl_acc_init(&ld);
            int64_t lo, hi;
            block_range(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
            if (lo < hi) im->var(dtype, mode, x, lo, hi, mean, &lq, &ld);
#pragma omp critical(pl_acc_combine)
            {
                pl_acc_merge(&q, &lq);
                pl_acc_merge(&d, &ld);
            }
        }
    }
    double sq, sd;
    pl_acc_round(&q, &sq);
    pl_acc_round(&d, &sd);
    /* sd is the residual of the rounded mean; subtracting sd^2/n corrects for it. */
    *out = (sq - sd * sd / (double)n) / (double)(n - ddof);
    return PL_OK;
}

int pl_dot(int dtype, const void *x, const void *y, int64_t n, int mode, int threads,
           double *out_f, int64_t *out_i) {
    if (check_array(dtype, x, n) || check_array(dtype, y, n) || !out_f || !out_i) return PL_E_ARG;
    if (mode != PL_ACCURATE && mode != PL_FAST) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    int t = pl_team_size(threads, n);
    if (pl_dtype_is_float(dtype)) {
        pl_acc acc;
        pl_acc_init(&acc);
        if (t == 1) {
            im->dot(dtype, mode, x, y, 0, n, &acc);
        } else {
#pragma omp parallel num_threads(t)
            {
                pl_acc local;
                pl_acc_init(&local);
                int64_t lo, hi;
                block_range(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
                if (lo < hi) im->dot(dtype, mode, x, y, lo, hi, &local);
#pragma omp critical(pl_acc_combine)
                pl_acc_merge(&acc, &local);
            }
        }
        pl_acc_round(&acc, out_f);
        return PL_OK;
    }
    int overflow = 0;
    pl_i128 total = 0;
    if (t == 1) {
        total = im->idot(dtype, x, y, 0, n, &overflow);
    } else {
#pragma omp parallel num_threads(t)
        {
            int of = 0;
            int64_t lo, hi;
            block_range(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
            pl_i128 part = lo < hi ? im->idot(dtype, x, y, lo, hi, &of) : 0;
#pragma omp critical(pl_idot_combine)
            {
                overflow |= of;
                if (__builtin_add_overflow(total, part, &total)) overflow = 1;
            }
        }
    }
    if (overflow || total > INT64_MAX || total < INT64_MIN) return PL_E_OVERFLOW;
    *out_i = (int64_t)total;
    return PL_OK;
}
