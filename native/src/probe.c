/*
 * The bandwidth probe: the fastest read of n doubles this library knows, with no ordering or
 * compensation guarantees. Reductions are compared against it to tell how close they are to
 * the memory system's ceiling.
 */
#include "impl.h"

#include <omp.h>

int pl_probe_read(const double *x, int64_t n, int threads, double *out) {
    if (n < 0 || (n > 0 && !x) || !out) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    int t = pl_team_size(threads, n);
    double total = 0;
#pragma omp parallel num_threads(t) reduction(+ : total) if (t > 1)
    {
        int id = omp_get_thread_num(), nt = omp_get_num_threads();
        int64_t lo = n * id / nt, hi = n * (id + 1) / nt;
        total += im->probe(x, lo, hi);
    }
    *out = total;
    return PL_OK;
}
