/*
 * The bandwidth probe: the fastest read of n doubles this library knows, with no ordering or
 * compensation guarantees. Reductions are compared against it to tell how close they are to
 * the memory system's ceiling.
 */
#include "impl.h"

#include <omp.h>

static int probe(int twosum, const double *x, int64_t n, int threads, double *out) {
    if (n < 0 || (n > 0 && !x) || !out) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    /* The kernels' team-size rule, so that a probe "on N threads" is what a kernel asked for N
     * threads does: the fast sum's cost for the read, the accurate sum's for TwoSum. */
    int t = pl_team_size(threads, n, twosum ? PL_COST_ACCURATE : PL_COST_READ);
    if (t == 1) {
        *out = twosum ? im->probe_twosum(x, 0, n) : im->probe(x, 0, n);
        return PL_OK;
    }
    double total = 0;
#pragma omp parallel num_threads(t) reduction(+ : total)
    {
        int id = omp_get_thread_num(), nt = omp_get_num_threads();
        int64_t lo = n * id / nt, hi = n * (id + 1) / nt;
        total += twosum ? im->probe_twosum(x, lo, hi) : im->probe(x, lo, hi);
    }
    *out = total;
    return PL_OK;
}

int pl_probe_read(const double *x, int64_t n, int threads, double *out) {
    return probe(0, x, n, threads, out);
}

int pl_probe_twosum(const double *x, int64_t n, int threads, double *out) {
    return probe(1, x, n, threads, out);
}
