/*
 * The bandwidth probe: the fastest read of n doubles this library knows, with no ordering or
 * compensation guarantees. Reductions are compared against it to tell how close they are to
 * the memory system's ceiling. It runs on the kernels' team (team.c), as they do.
 */
#include "impl.h"

#include <stdlib.h>

typedef struct probe_call {
    const pl_impl *im;
    int twosum;
    const double *x;
    double *totals; /* one per part */
} probe_call;

static void probe_range(void *ctx, int id, int nt, int64_t lo, int64_t hi) {
    const probe_call *c = ctx;
    (void)nt;
    c->totals[id] = c->twosum ? c->im->probe_twosum(c->x, lo, hi) : c->im->probe(c->x, lo, hi);
}

__attribute__((noinline)) static int probe(int twosum, const double *x, int64_t n, int threads, double *out) {
    if (n < 0 || (n > 0 && !x) || !out) return PL_E_ARG;
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    /* The kernels' team-size rule, so that a probe "on N threads" is what a kernel asked for N
     * threads does: the fast sum's cost for the read, the accurate sum's for TwoSum. */
    int t = pl_team_size(threads, n, twosum ? PL_COST_ACCURATE : PL_COST_READ);
    double on_stack[64];
    double *totals = t <= 64 ? on_stack : malloc(sizeof *totals * (size_t)t);
    if (!totals) { /* no memory for the parts' totals: one thread */
        totals = on_stack;
        t = 1;
    }
    probe_call c = {im, twosum, x, totals};
    int nt = pl_team_split(t, n, probe_range, &c);
    double total = 0;
    for (int id = 0; id < nt; id++) total += totals[id];
    if (totals != on_stack) free(totals);
    if (nt == 0) pl_guard_raise(); /* a part faulted on a truncated mapping: PL_E_FAULT */
    *out = total;
    return PL_OK;
}

int pl_probe_read(const double *x, int64_t n, int threads, double *out) {
    PL_GUARDED(probe(0, x, n, threads, out));
}

int pl_probe_twosum(const double *x, int64_t n, int threads, double *out) {
    PL_GUARDED(probe(1, x, n, threads, out));
}
