/*
 * What a parallel region costs, and from which size each team size pays for itself: the
 * measurement behind the kernels' team-size rule (docs/ACCURACY.md, "Threads").
 *   gcc -O3 -march=native -fopenmp tools/team-cost.c -o team-cost && ./team-cost
 * For each thread count t (1, 2, 4, ... up to all cores): the cost of an empty parallel region
 * called back to back, then GB/s of a plain 8-lane sum (fast mode's cost per element) and of an
 * 8-lane TwoSum (accurate mode's) over n doubles split among exactly t threads, median of 15
 * samples. Standalone: it measures the machine, not the library.
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef double v8 __attribute__((vector_size(64)));

static v8 load8(const double *p) {
    v8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static double hsum(v8 v) {
    double r = 0;
    for (int k = 0; k < 8; k++) r += v[k];
    return r;
}

/* Two register groups of 8 lanes (fast mode keeps more; this is the probe's shape). */
static double plain(const double *x, int64_t lo, int64_t hi) {
    v8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    int64_t i = lo;
    for (; i + 32 <= hi; i += 32) {
        s0 += load8(x + i);
        s1 += load8(x + i + 8);
        s2 += load8(x + i + 16);
        s3 += load8(x + i + 24);
    }
    double r = hsum(s0 + s1 + s2 + s3);
    for (; i < hi; i++) r += x[i];
    return r;
}

/* TwoSum on 4 interleaved groups of 8 lanes (c-twosum's shape). */
static double twosum(const double *x, int64_t lo, int64_t hi) {
    v8 s[4] = {{0}}, c[4] = {{0}};
    int64_t i = lo;
    for (; i + 32 <= hi; i += 32)
        for (int g = 0; g < 4; g++) {
            v8 a = s[g], b = load8(x + i + 8 * g), t = a + b, bb = t - a;
            c[g] += (a - (t - bb)) + (b - bb);
            s[g] = t;
        }
    double r = 0;
    for (int g = 0; g < 4; g++) r += hsum(s[g]) + hsum(c[g]);
    for (; i < hi; i++) r += x[i];
    return r;
}

static volatile double sink;

/* Median ns per call of kind (0 empty region, 1 plain, 2 twosum) over n elements on t threads. */
static double measure(int kind, const double *x, int64_t n, int t) {
    double samples[15];
    int reps = 1;
    for (int s = -3; s < 15; s++) {
        double t0 = now();
        for (int r = 0; r < reps; r++) {
            double total = 0;
            if (t == 1 && kind != 0) {
                total = kind == 1 ? plain(x, 0, n) : twosum(x, 0, n);
            } else {
#pragma omp parallel num_threads(t) reduction(+ : total)
                {
                    int id = omp_get_thread_num(), nt = omp_get_num_threads();
                    int64_t lo = n * id / nt, hi = n * (id + 1) / nt;
                    if (kind == 1) total += plain(x, lo, hi);
                    else if (kind == 2) total += twosum(x, lo, hi);
                }
            }
            sink += total;
        }
        double dt = now() - t0;
        if (s < 0) { /* warm-up: grow reps until a sample lasts 2 ms */
            while (dt * 2 < 2e6 && reps < (1 << 20)) { reps *= 2; dt *= 2; }
            continue;
        }
        samples[s] = dt / reps;
    }
    qsort(samples, 15, sizeof samples[0], cmp);
    return samples[7];
}

int main(void) {
    int cores = omp_get_num_procs();
    int64_t maxn = (int64_t)1 << 22;
    double *x = aligned_alloc(64, (size_t)maxn * sizeof *x);
    if (!x) return 1;
    for (int64_t i = 0; i < maxn; i++) x[i] = 1.0 + (double)(i % 1000) * 1e-3;
    int ts[16], nts = 0;
    for (int t = 1; t < cores && nts < 15; t *= 2) ts[nts++] = t;
    ts[nts++] = cores;
    printf("cores %d, OMP_WAIT_POLICY=%s\n", cores, getenv("OMP_WAIT_POLICY") ? getenv("OMP_WAIT_POLICY") : "(unset)");
    printf("empty region, ns:");
    for (int k = 1; k < nts; k++) printf("  %dt %.0f", ts[k], measure(0, x, 0, ts[k]));
    printf("\n");
    for (int kind = 1; kind <= 2; kind++) {
        printf("%s, GB/s by threads\n%-9s", kind == 1 ? "plain sum (fast mode's cost)" : "TwoSum (accurate mode's cost)", "n");
        for (int k = 0; k < nts; k++) printf("%8dt", ts[k]);
        printf("   best\n");
        for (int64_t n = 1 << 12; n <= maxn; n *= 2) {
            printf("2^%-7d", __builtin_ctzll((unsigned long long)n));
            double best = 0;
            int bt = 1;
            for (int k = 0; k < nts; k++) {
                double g = (double)n * 8 / measure(kind, x, n, ts[k]);
                if (g > best) { best = g; bt = ts[k]; }
                printf("%9.1f", g);
            }
            printf("   %dt\n", bt);
        }
    }
    free(x);
    return 0;
}
