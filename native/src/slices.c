/*
 * Slice reductions. Each slice is reduced by one thread, start to end, so the result of a
 * slice never depends on how slices were shared out.
 */
#include "impl.h"

#include <omp.h>

static int slice_op_ok(int dtype, int op, const void *x, int64_t n, const void *out) {
    if (pl_dtype_size(dtype) == 0 || op < PL_SUM || op > PL_MAX || n < 0) return 0;
    return n == 0 || (x && out);
}

int pl_slice_reduce(int dtype, int op, const void *x, int64_t n, int64_t k, void *out,
                    int threads) {
    if (!slice_op_ok(dtype, op, x, n, out) || k < 1) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    int64_t m = n / k + (n % k != 0);
    int t = pl_team_size(threads, n);
    int status = PL_OK;
#pragma omp parallel for num_threads(t) schedule(static) if (t > 1)
    for (int64_t j = 0; j < m; j++) {
        int64_t a = j * k, b = a + k < n ? a + k : n;
        int s = im->slice(dtype, op, x, a, b, out, j);
        if (s != PL_OK) {
#pragma omp atomic write
            status = s;
        }
    }
    return status;
}

int pl_reduceat(int dtype, int op, const void *x, int64_t n, const int64_t *offsets, int64_t m,
                void *out, int threads) {
    if (!slice_op_ok(dtype, op, x, n, out) || m < 0 || (m > 0 && (!offsets || !out)))
        return PL_E_ARG;
    for (int64_t j = 0; j < m; j++)
        if (offsets[j] < 0 || offsets[j] >= n) return PL_E_INDEX;
    const pl_impl *im = pl_impl_active();
    int t = pl_team_size(threads, n);
    int status = PL_OK;
#pragma omp parallel for num_threads(t) schedule(dynamic, 64) if (t > 1)
    for (int64_t j = 0; j < m; j++) {
        int64_t a = offsets[j];
        int64_t b = j + 1 < m ? offsets[j + 1] : n;
        if (b <= a) b = a + 1; /* numpy: a non-increasing pair yields x[a] */
        int s = im->slice(dtype, op, x, a, b, out, j);
        if (s != PL_OK) {
#pragma omp atomic write
            status = s;
        }
    }
    return status;
}
