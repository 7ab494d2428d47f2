/*
 * The C side of the MPI benchmark (dev.paralelo.bench.MpiBench starts it under mpirun next to
 * the Java side): the latency of the shim's allreduce called straight from C, for one double
 * and for 1 MiB of doubles (MPI_SUM), and of the exact allreduce of one pl_acc (576 bytes).
 * Each figure is the median over `reps` repetitions of the mean time per call over `iters`
 * calls, every repetition starting at a barrier. Rank 0 prints "c NAME NANOSECONDS" lines.
 */
#include "paralelo.h"
#include "paralelo_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median ns per call of op over reps x iters calls; 0 when a call failed (reported). */
typedef int (*op_fn)(void *arg);

static double measure(op_fn op, void *arg, int reps, int iters) {
    double *t = malloc((size_t)reps * sizeof *t);
    if (!t) return 0;
    for (int r = 0; r < reps; r++) {
        pl_mpi_barrier();
        double start = now_ns();
        for (int i = 0; i < iters; i++) {
            if (op(arg) != PL_OK) {
                free(t);
                return 0;
            }
        }
        t[r] = (now_ns() - start) / iters;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    double m = t[reps / 2];
    free(t);
    return m;
}

static int one_double(void *arg) { return pl_mpi_allreduce(PL_F64, PL_SUM, arg, 1); }
static int one_mib(void *arg) { return pl_mpi_allreduce(PL_F64, PL_SUM, arg, (1 << 20) / 8); }
static int exact(void *arg) { return pl_mpi_allreduce_state(PL_STATE_SUM, arg, 1); }

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 15, iters = argc > 2 ? atoi(argv[2]) : 20000;
    if (reps < 1 || iters < 10) {
        fprintf(stderr, "usage: %s [REPS [ITERS]]\n", argv[0]);
        return 2;
    }
    int provided, rank;
    if (pl_mpi_init(PL_MPI_THREAD_FUNNELED, &provided) != PL_OK || pl_mpi_rank(&rank) != PL_OK) {
        fprintf(stderr, "MPI did not start\n");
        return 1;
    }
    double *mib = calloc((1 << 20) / 8, sizeof(double));
    double one = 1.0;
    pl_acc acc;
    pl_acc_init(&acc);
    pl_acc_add(&acc, 0.1);
    double t1 = measure(one_double, &one, reps, iters);
    double tm = measure(one_mib, mib, reps, iters / 100 > 10 ? iters / 100 : 10);
    double te = measure(exact, &acc, reps, iters);
    if (rank == 0) {
        printf("c allreduce-f64x1 %.1f\nc allreduce-1MiB %.1f\nc allreduce-exact %.1f\n", t1, tm, te);
        fflush(stdout);
    }
    free(mib);
    int failed = t1 == 0 || tm == 0 || te == 0;
    pl_mpi_finalize();
    return failed;
}
