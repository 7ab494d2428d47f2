/*
 * Elementwise kernels: each output element depends on one index only, so any split between
 * threads gives the same result. Large calls split into contiguous ranges on the team
 * (team.c).
 */
#include "impl.h"

#include <string.h>

static int check(int dtype, int64_t n, const void *p) {
    if (pl_dtype_size(dtype) == 0 || n < 0 || (n > 0 && !p)) return PL_E_ARG;
    return PL_OK;
}

/* One elementwise call: the kernel and its operands. */
enum { E_BINARY, E_SCALE, E_AXPY, E_FILL, E_COPY };
typedef struct elem_call {
    const pl_impl *im;
    int kind, dtype, op;
    const void *a, *b;
    void *out;
    double f;
    int64_t i;
} elem_call;

static void elem_range(void *ctx, int id, int nt, int64_t lo, int64_t hi) {
    const elem_call *c = ctx;
    (void)id;
    (void)nt;
    switch (c->kind) {
    case E_BINARY: c->im->binary(c->dtype, c->op, c->a, c->b, c->out, lo, hi); break;
    case E_SCALE: c->im->scale(c->dtype, c->a, c->f, c->i, c->out, lo, hi); break;
    case E_AXPY: c->im->axpy(c->dtype, c->f, c->i, c->a, c->out, lo, hi); break;
    case E_FILL: c->im->fill(c->dtype, c->out, c->f, c->i, lo, hi); break;
    default: {
        size_t size = (size_t)pl_dtype_size(c->dtype);
        if (hi > lo)
            memcpy((char *)c->out + (size_t)lo * size, (const char *)c->a + (size_t)lo * size,
                   (size_t)(hi - lo) * size);
    }
    }
}

/* Runs the call over [0, n) on the team the rule picks, in contiguous ranges; a part that
 * faulted on a truncated mapping ends the call with PL_E_FAULT. */
static int split(int threads, int64_t n, elem_call *c) {
    if (!pl_team_split(pl_team_size(threads, n, PL_COST_READ), n, elem_range, c)) pl_guard_raise();
    return PL_OK;
}

__attribute__((noinline)) static int binary_work(int dtype, int op, const void *a, const void *b, void *out, int64_t n,
                       int threads) {
    if (check(dtype, n, a) || check(dtype, n, b) || check(dtype, n, out)) return PL_E_ARG;
    if (op < PL_ADD || op > PL_MUL) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    elem_call c = {im, E_BINARY, dtype, op, a, b, out, 0, 0};
    return split(threads, n, &c);
}

int pl_binary(int dtype, int op, const void *a, const void *b, void *out, int64_t n,
              int threads) {
    PL_GUARDED(binary_work(dtype, op, a, b, out, n, threads));
}

__attribute__((noinline)) static int scale_work(int dtype, const void *x, double alpha_f, int64_t alpha_i, void *out, int64_t n,
                      int threads) {
    if (check(dtype, n, x) || check(dtype, n, out)) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    elem_call c = {im, E_SCALE, dtype, 0, x, NULL, out, alpha_f, alpha_i};
    return split(threads, n, &c);
}

int pl_scale(int dtype, const void *x, double alpha_f, int64_t alpha_i, void *out, int64_t n,
             int threads) {
    PL_GUARDED(scale_work(dtype, x, alpha_f, alpha_i, out, n, threads));
}

__attribute__((noinline)) static int axpy_work(int dtype, double alpha_f, int64_t alpha_i, const void *x, void *y, int64_t n,
                     int threads) {
    if (check(dtype, n, x) || check(dtype, n, y)) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    elem_call c = {im, E_AXPY, dtype, 0, x, NULL, y, alpha_f, alpha_i};
    return split(threads, n, &c);
}

int pl_axpy(int dtype, double alpha_f, int64_t alpha_i, const void *x, void *y, int64_t n,
            int threads) {
    PL_GUARDED(axpy_work(dtype, alpha_f, alpha_i, x, y, n, threads));
}

__attribute__((noinline)) static int fill_work(int dtype, void *out, double value_f, int64_t value_i, int64_t n, int threads) {
    if (check(dtype, n, out)) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    elem_call c = {im, E_FILL, dtype, 0, NULL, NULL, out, value_f, value_i};
    return split(threads, n, &c);
}

int pl_fill(int dtype, void *out, double value_f, int64_t value_i, int64_t n, int threads) {
    PL_GUARDED(fill_work(dtype, out, value_f, value_i, n, threads));
}

__attribute__((noinline)) static int copy_work(int dtype, const void *src, void *dst, int64_t n, int threads) {
    if (check(dtype, n, src) || check(dtype, n, dst)) return PL_E_ARG;
    if (!pl_impl_active()) return PL_E_CONFIG; /* a bad PARALELO_SIMD, as every kernel says */
    size_t size = (size_t)pl_dtype_size(dtype);
    const char *s = src;
    char *d = dst;
    int overlap = n > 0 && s < d + n * (int64_t)size && d < s + n * (int64_t)size;
    if (overlap) {
        /* Ranges copied in parallel could read bytes another range already overwrote. */
        memmove(d, s, (size_t)n * size);
        return PL_OK;
    }
    elem_call c = {NULL, E_COPY, dtype, 0, src, NULL, dst, 0, 0};
    return split(threads, n, &c);
}

int pl_copy(int dtype, const void *src, void *dst, int64_t n, int threads) {
    PL_GUARDED(copy_work(dtype, src, dst, n, threads));
}
