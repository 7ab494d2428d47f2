/*
 * An A/B of two builds of libparalelo on one machine: the accurate variance, the accurate sum,
 * the slice sums of 8 and of 64 and the read probe of the same n doubles, median of R calls
 * each, GB/s of input bytes.
 *   gcc -O2 -Inative/include tools/lib-ab.c -o lib-ab -Ljava/target/native -lparalelo
 *   for r in 1 2 3; do for v in A B; do LD_LIBRARY_PATH=DIR_$v ./lib-ab 24 2 21; done; done
 * (DIR_A and DIR_B each hold a libparalelo.so; alternate them, since this VM's memory bandwidth
 * moves between minutes.) Arguments: log2 of n, threads (0: all), calls (at most 64).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "paralelo.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: lib-ab LOG2_N THREADS CALLS\n");
        return 2;
    }
    int lg = atoi(argv[1]), threads = atoi(argv[2]), calls = atoi(argv[3]);
    if (lg < 4 || lg > 30 || calls < 1 || calls > 64) {
        fprintf(stderr, "lib-ab: LOG2_N 4..30, CALLS 1..64\n");
        return 2;
    }
    int64_t n = (int64_t)1 << lg;
    double *x = aligned_alloc(64, (size_t)n * sizeof *x);
    if (!x) return 1;
    for (int64_t i = 0; i < n; i++) x[i] = 1.0 + 0.001 * (double)(i % 1000);
    double *slices = aligned_alloc(64, (size_t)(n / 8) * sizeof *slices);
    if (!slices) return 1;
    double var[64], sum[64], s8[64], s64[64], probe[64], out;
    int64_t out_i;
    for (int c = 0; c < calls; c++) {
        double t0 = now();
        if (pl_variance(PL_F64, x, n, 0, PL_ACCURATE, threads, &out) != PL_OK) return 1;
        double t1 = now();
        if (pl_reduce(PL_F64, PL_SUM, x, n, PL_ACCURATE, threads, &out, &out_i) != PL_OK) return 1;
        double t2 = now();
        if (pl_slice_reduce(PL_F64, PL_SUM, x, n, 8, slices, threads) != PL_OK) return 1;
        double t3 = now();
        if (pl_slice_reduce(PL_F64, PL_SUM, x, n, 64, slices, threads) != PL_OK) return 1;
        double t4 = now();
        if (pl_probe_read(x, n, threads, &out) != PL_OK) return 1;
        double t5 = now();
        var[c] = t1 - t0;
        sum[c] = t2 - t1;
        s8[c] = t3 - t2;
        s64[c] = t4 - t3;
        probe[c] = t5 - t4;
    }
    qsort(var, (size_t)calls, sizeof var[0], by_value);
    qsort(sum, (size_t)calls, sizeof sum[0], by_value);
    qsort(s8, (size_t)calls, sizeof s8[0], by_value);
    qsort(s64, (size_t)calls, sizeof s64[0], by_value);
    qsort(probe, (size_t)calls, sizeof probe[0], by_value);
    double gb = (double)n * 8e-9;
    int m = calls / 2;
    printf("n=2^%d threads=%d: variance %.1f, sum %.1f, slices of 8 %.1f, of 64 %.1f, probe %.1f GB/s; variance/probe %.3f, "
           "slices of 8/probe %.3f\n", lg, threads, gb / var[m], gb / sum[m], gb / s8[m], gb / s64[m], gb / probe[m],
           probe[m] / var[m], probe[m] / s8[m]);
    free(slices);
    free(x);
    return 0;
}
