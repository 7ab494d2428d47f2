/*
 * Elementwise kernels: each output element depends on one index only, so any split between
 * threads gives the same result. Large calls split into contiguous static chunks.
 */
#include "impl.h"

#include <omp.h>
#include <string.h>

static int check(int dtype, int64_t n, const void *p) {
    if (pl_dtype_size(dtype) == 0 || n < 0 || (n > 0 && !p)) return PL_E_ARG;
    return PL_OK;
}

/* Runs body(lo, hi) over [0, n) on t threads, in contiguous chunks. */
#define SPLIT(n, threads, body)                                                               \
    do {                                                                                      \
        int t_ = pl_team_size((threads), (n), PL_COST_READ);                                  \
        if (t_ == 1) {                                                                        \
            int64_t lo = 0, hi = (n);                                                         \
            body;                                                                             \
        } else {                                                                              \
            _Pragma("omp parallel num_threads(t_)") {                                         \
                int id_ = omp_get_thread_num(), nt_ = omp_get_num_threads();                  \
                int64_t lo = (n) * id_ / nt_, hi = (n) * (id_ + 1) / nt_;                     \
                body;                                                                         \
            }                                                                                 \
        }                                                                                     \
    } while (0)

int pl_binary(int dtype, int op, const void *a, const void *b, void *out, int64_t n,
              int threads) {
    if (check(dtype, n, a) || check(dtype, n, b) || check(dtype, n, out)) return PL_E_ARG;
    if (op < PL_ADD || op > PL_MUL) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    SPLIT(n, threads, im->binary(dtype, op, a, b, out, lo, hi));
    return PL_OK;
}

int pl_scale(int dtype, const void *x, double alpha_f, int64_t alpha_i, void *out, int64_t n,
             int threads) {
    if (check(dtype, n, x) || check(dtype, n, out)) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    SPLIT(n, threads, im->scale(dtype, x, alpha_f, alpha_i, out, lo, hi));
    return PL_OK;
}

int pl_axpy(int dtype, double alpha_f, int64_t alpha_i, const void *x, void *y, int64_t n,
            int threads) {
    if (check(dtype, n, x) || check(dtype, n, y)) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    SPLIT(n, threads, im->axpy(dtype, alpha_f, alpha_i, x, y, lo, hi));
    return PL_OK;
}

int pl_fill(int dtype, void *out, double value_f, int64_t value_i, int64_t n, int threads) {
    if (check(dtype, n, out)) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    SPLIT(n, threads, im->fill(dtype, out, value_f, value_i, lo, hi));
    return PL_OK;
}

int pl_copy(int dtype, const void *src, void *dst, int64_t n, int threads) {
    if (check(dtype, n, src) || check(dtype, n, dst)) return PL_E_ARG;
    size_t size = (size_t)pl_dtype_size(dtype);
    const char *s = src;
    char *d = dst;
    int overlap = n > 0 && s < d + n * (int64_t)size && d < s + n * (int64_t)size;
    if (overlap) {
        /* Chunks copied in parallel could read bytes another chunk already overwrote. */
        memmove(d, s, (size_t)n * size);
        return PL_OK;
    }
    SPLIT(n, threads, if (hi > lo) memcpy(d + lo * (int64_t)size, s + lo * (int64_t)size,
                                          (size_t)(hi - lo) * size));
    return PL_OK;
}
