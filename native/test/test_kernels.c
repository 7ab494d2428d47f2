/* Kernels: reproducibility across SIMD levels and thread counts, accuracy against exact
 * references, integer exactness, slices, elementwise, and the status of bad calls. */
#include "check.h"
#include "paralelo.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ill-conditioned data: +-y pairs with |y| log-uniform in [1e-8, 1e8], plus [0,1) values. */
static void ill_conditioned(double *x, int64_t n) {
    int64_t i = 0;
    for (; i + 1 < n - n / 4; i += 2) {
        double y = pow(10.0, -8.0 + 16.0 * uniform());
        x[i] = y;
        x[i + 1] = -y;
    }
    for (; i < n; i++) x[i] = uniform();
    for (int64_t j = n - 1; j > 0; j--) {
        int64_t k = (int64_t)(next_u64() % (uint64_t)(j + 1));
        double t = x[j];
        x[j] = x[k];
        x[k] = t;
    }
}

static double exact_sum(const double *x, int64_t n) {
    pl_acc a;
    pl_acc_init(&a);
    for (int64_t i = 0; i < n; i++) pl_acc_add(&a, x[i]);
    double r;
    pl_acc_round(&a, &r);
    return r;
}

static void test_sum_reproducible(void) {
    const int64_t sizes[] = {0, 1, 7, 63, 64, 65, 4095, 4096, 4097, 100003, 1 << 20};
    int levels = pl_cpu_level();
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int64_t n = sizes[s];
        double *x = malloc((size_t)(n ? n : 1) * sizeof *x);
        float *f = malloc((size_t)(n ? n : 1) * sizeof *f);
        ill_conditioned(x, n);
        for (int64_t i = 0; i < n; i++) f[i] = (float)x[i];
        for (int mode = PL_ACCURATE; mode <= PL_FAST; mode++) {
            double ref = 0, ref32 = 0, refdot = 0, refvar = 0;
            int64_t iu = 0;
            for (int level = 0; level <= levels; level++) {
                CHECK(pl_set_level(level) == PL_OK, "set level %d", level);
                const int threads[] = {1, 2, 3, 4, 7, 16};
                for (int t = 0; t < 6; t++) {
                    double r, r32, d, v;
                    CHECK(pl_reduce(PL_F64, PL_SUM, x, n, mode, threads[t], &r, &iu) == PL_OK,
                          "sum");
                    CHECK(pl_reduce(PL_F32, PL_SUM, f, n, mode, threads[t], &r32, &iu) == PL_OK,
                          "sum f32");
                    CHECK(pl_dot(PL_F64, x, x, n, mode, threads[t], &d, &iu) == PL_OK, "dot");
                    CHECK(pl_variance(PL_F64, x, n, 0, mode, threads[t], &v) == PL_OK, "var");
                    if (level == 0 && t == 0) {
                        ref = r;
                        ref32 = r32;
                        refdot = d;
                        refvar = v;
                    } else {
                        CHECK(same_bits(r, ref), "n=%lld mode=%d level=%d threads=%d: %a vs %a",
                              (long long)n, mode, level, threads[t], r, ref);
                        CHECK(same_bits(r32, ref32), "f32 n=%lld level=%d threads=%d",
                              (long long)n, level, threads[t]);
                        CHECK(same_bits(d, refdot), "dot n=%lld level=%d threads=%d",
                              (long long)n, level, threads[t]);
                        CHECK(same_bits(v, refvar) || (isnan(v) && isnan(refvar)),
                              "var n=%lld level=%d threads=%d", (long long)n, level, threads[t]);
                    }
                }
            }
            if (mode == PL_ACCURATE && n > 0) {
                double exact = exact_sum(x, n);
                double err = fabs(ref - exact) / fabs(exact);
                CHECK(err <= 1e-15, "accuracy n=%lld: rel err %g", (long long)n, err);
            }
        }
        pl_set_level(levels);
        free(x);
        free(f);
    }
}

static void test_minmax_and_ints(void) {
    double x[] = {3.0, -0.0, 0.0, 2.5};
    double r;
    int64_t iu;
    pl_reduce(PL_F64, PL_MIN, x + 1, 2, PL_ACCURATE, 1, &r, &iu);
    CHECK(r == 0 && signbit(r), "min(-0, +0) is -0");
    pl_reduce(PL_F64, PL_MAX, x + 1, 2, PL_ACCURATE, 1, &r, &iu);
    CHECK(r == 0 && !signbit(r), "max(-0, +0) is +0");
    pl_reduce(PL_F64, PL_MAX, x, 4, PL_ACCURATE, 1, &r, &iu);
    CHECK(r == 3.0, "max");
    double y[70];
    for (int i = 0; i < 70; i++) y[i] = i;
    y[33] = NAN;
    pl_reduce(PL_F64, PL_MIN, y, 70, PL_ACCURATE, 1, &r, &iu);
    CHECK(isnan(r), "NaN propagates through min");
    CHECK(pl_reduce(PL_F64, PL_MIN, y, 0, PL_ACCURATE, 1, &r, &iu) == PL_E_EMPTY, "empty min");

    int64_t big[3] = {INT64_MAX, 1, -5};
    CHECK(pl_reduce(PL_I64, PL_SUM, big, 2, PL_ACCURATE, 1, &r, &iu) == PL_E_OVERFLOW, "i64 ovf");
    CHECK(pl_reduce(PL_I64, PL_SUM, big, 3, PL_ACCURATE, 1, &r, &iu) == PL_OK &&
              iu == INT64_MAX - 4,
          "i64 partial overflow that cancels is fine");
    int32_t *ints = malloc(sizeof(int32_t) * 100000);
    for (int i = 0; i < 100000; i++) ints[i] = INT32_MAX;
    CHECK(pl_reduce(PL_I32, PL_SUM, ints, 100000, PL_ACCURATE, 2, &r, &iu) == PL_OK &&
              iu == (int64_t)INT32_MAX * 100000,
          "i32 sum exact in 64 bits");
    free(ints);
    int64_t dots[2] = {INT64_MAX, 2};
    CHECK(pl_dot(PL_I64, dots, dots, 2, PL_ACCURATE, 1, &r, &iu) == PL_E_OVERFLOW, "dot ovf");
}

/* Exact integer sums and dots at every SIMD level and on 1 and 2 threads, against a scalar
 * 128-bit sum: all INT32_MIN, all INT32_MAX, all -1 (every 16-bit half at its extreme) and
 * random values (the dots with small factors, so that they fit), over more elements than one
 * pass of the i32 sum's 32-bit lanes takes (2^19 at AVX-512), with an odd tail. */
__extension__ typedef __int128 i128;

static void test_integer_sums_exact(void) {
    const int64_t n = 3 * (INT64_C(1) << 20) + 13;
    int32_t *v = malloc(sizeof *v * (size_t)n), *u = malloc(sizeof *u * (size_t)n);
    int64_t *w = malloc(sizeof *w * (size_t)n);
    CHECK(v && u && w, "memory");
    if (!v || !u || !w) {
        free(v);
        free(u);
        free(w);
        return;
    }
    for (int64_t i = 0; i < n; i++) u[i] = (int32_t)(i % 7) - 3; /* products that fit */
    int top = pl_cpu_level();
    uint64_t seed = 12345;
    for (int fill = 0; fill < 4; fill++) {
        for (int64_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            v[i] = fill == 0 ? INT32_MIN : fill == 1 ? INT32_MAX : fill == 2 ? -1 : (int32_t)(seed >> 32);
            /* i64: the halves at their extremes, with alternate signs so that the total fits */
            w[i] = fill == 3 ? (int64_t)seed >> 24
                             : (i & 1 ? -1 : 1) * ((int64_t)v[i] * (INT64_C(1) << 31) - (i & 1));
        }
        i128 sum32 = 0, dot32 = 0, sum64 = 0;
        for (int64_t i = 0; i < n; i++) {
            sum32 += v[i];
            dot32 += (int64_t)v[i] * u[i];
            sum64 += w[i];
        }
        for (int level = 0; level <= top; level++) {
            CHECK(pl_set_level(level) == PL_OK, "level %d", level);
            for (int threads = 1; threads <= 2; threads++) {
                double r;
                int64_t got;
                CHECK(pl_reduce(PL_I32, PL_SUM, v, n, PL_ACCURATE, threads, &r, &got) == PL_OK &&
                          got == (int64_t)sum32,
                      "i32 sum, fill %d level %d threads %d: %lld vs %lld", fill, level, threads,
                      (long long)got, (long long)(int64_t)sum32);
                int rc = pl_dot(PL_I32, v, u, n, PL_ACCURATE, threads, &r, &got);
                CHECK(rc == PL_OK && got == (int64_t)dot32, "i32 dot, fill %d level %d threads %d", fill,
                      level, threads);
                rc = pl_reduce(PL_I64, PL_SUM, w, n, PL_ACCURATE, threads, &r, &got);
                CHECK(sum64 <= INT64_MAX && sum64 >= INT64_MIN && rc == PL_OK && got == (int64_t)sum64,
                      "i64 sum, fill %d level %d threads %d: %lld vs %lld", fill, level, threads,
                      (long long)got, (long long)(int64_t)sum64);
            }
        }
        pl_set_level(top);
    }
    free(v);
    free(u);
    free(w);
}

static void test_slices(void) {
    double x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    double out[4];
    CHECK(pl_slice_reduce(PL_F64, PL_SUM, x, 10, 3, out, 1) == PL_OK, "slice");
    CHECK(out[0] == 6 && out[1] == 15 && out[2] == 24 && out[3] == 10, "slice sums");
    int64_t off[4] = {0, 4, 1, 5};
    CHECK(pl_reduceat(PL_F64, PL_SUM, x, 10, off, 4, out, 1) == PL_OK, "reduceat");
    /* numpy: add.reduceat(x, [0,4,1,5]) = [10, 5, 14, 40] */
    CHECK(out[0] == 10 && out[1] == 5 && out[2] == 14 && out[3] == 40, "reduceat values %g %g %g %g",
          out[0], out[1], out[2], out[3]);
    int64_t bad[1] = {10};
    CHECK(pl_reduceat(PL_F64, PL_SUM, x, 10, bad, 1, out, 1) == PL_E_INDEX, "offset out of range");
    CHECK(pl_slice_reduce(PL_F64, PL_SUM, x, 10, 0, out, 1) == PL_E_ARG, "k = 0");
}

/* Every slice's sum and mean has the bits of pl_reduce on the slice alone, whichever path
 * reduced it (batches of transposed slices for k <= 16, one slice at a time above), at every
 * SIMD level, for f64 and f32, with NaN, infinities, signed zeros and subnormals in some slices,
 * on arrays in cache and larger than the caches. */
static void slices_match_dense(int dtype, int op, int64_t n, int64_t k, int threads, uint64_t seed,
                               uint64_t every) {
    size_t size = dtype == PL_F64 ? 8 : 4;
    char *x = malloc((size_t)n * size);
    int64_t m = n / k + (n % k != 0);
    /* 64-byte aligned, as the library's arrays are: batches from inputs past STREAM_MIN_BYTES
     * (slices.c) then store their sums with non-temporal stores. */
    double *out = aligned_alloc(64, ((size_t)m * sizeof *out + 63) & ~(size_t)63);
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        double v = ((double)(seed >> 11) * 0x1p-53 - 0.5) * ldexp(1.0, (int)(seed % 61) - 30);
        if (seed % every == 0) {
            static const double special[] = {NAN, INFINITY, -0.0, 0x1p-1070, -INFINITY, 0.0, DBL_MAX, -DBL_MAX, 0x1p1020};
            v = special[(seed >> 20) % (every < 997 ? 9 : 4)]; /* sparse: NaN, inf, -0 and a subnormal */
        }
        if (dtype == PL_F64) ((double *)x)[i] = v;
        else ((float *)x)[i] = (float)v;
    }
    CHECK(pl_slice_reduce(dtype, op, x, n, k, out, threads) == PL_OK, "slices n=%lld k=%lld", (long long)n, (long long)k);
    int64_t bad = 0;
    for (int64_t j = 0; j < m; j++) {
        int64_t a = j * k, b = a + k < n ? a + k : n;
        double r;
        int64_t ri;
        pl_reduce(dtype, op, x + a * (int64_t)size, b - a, PL_ACCURATE, 1, &r, &ri);
        if (!same_bits(r, out[j])) bad++;
    }
    CHECK(bad == 0, "dtype %d op %d n=%lld k=%lld level %d: %lld slices differ from pl_reduce", dtype, op,
          (long long)n, (long long)k, pl_active_level(), (long long)bad);
    free(x);
    free(out);
}

static void slices_match(int dtype, int op, int64_t n, int64_t k, int threads, uint64_t seed) {
    slices_match_dense(dtype, op, n, k, threads, seed, 997);
}

static void test_slices_match_the_whole_array_kernel(void) {
    int top = pl_cpu_level();
    for (int level = 0; level <= top; level++) {
        CHECK(pl_set_level(level) == PL_OK, "level %d", level);
        for (int64_t k = 1; k <= 20; k++)
            for (int d = 0; d < 2; d++) {
                slices_match(d ? PL_F32 : PL_F64, PL_SUM, 37 * k + 5, k, 1, (uint64_t)k * 31 + (uint64_t)d);
                slices_match(d ? PL_F32 : PL_F64, PL_MEAN, 64 * k + 3, k, 3, (uint64_t)k * 37 + (uint64_t)d);
                /* Specials in every fifth element, values near overflow among them: most slices
                 * take the exact path, and those that overflow only in the fold too. */
                slices_match_dense(d ? PL_F32 : PL_F64, PL_SUM, 97 * k + 1, k, 2, (uint64_t)k * 53 + (uint64_t)d, 5);
            }
        const int64_t longer[] = {23, 31, 32, 33, 63, 64, 65, 100, 1000, 1024, 4095, 4096, 4097};
        for (size_t e = 0; e < sizeof longer / sizeof *longer; e++)
            for (int d = 0; d < 2; d++) {
                int64_t k = longer[e];
                slices_match(d ? PL_F32 : PL_F64, PL_SUM, 19 * k + 5, k, 1, (uint64_t)k * 41 + (uint64_t)d);
                slices_match(d ? PL_F32 : PL_F64, PL_MEAN, 17 * k + 3, k, 3, (uint64_t)k * 43 + (uint64_t)d);
            }
    }
    pl_set_level(top);
    const int64_t big[] = {8, 16, 64, 1024}; /* 16 MiB: past the caches, where batches used to be refused */
    for (size_t e = 0; e < sizeof big / sizeof *big; e++) {
        slices_match(PL_F64, PL_SUM, ((int64_t)1 << 21) + 3, big[e], 2, 7);
        slices_match(PL_F32, PL_SUM, ((int64_t)1 << 21) + 5, big[e], 2, 11);
    }
    /* Past 32 MiB the batches' sums are streamed (non-temporal stores, then a fence), at every
     * level, with specials in some slices (their lanes redone over a streamed line), and means,
     * which are not streamed, beside them. */
    for (int level = 0; level <= top; level++) {
        CHECK(pl_set_level(level) == PL_OK, "level %d", level);
        const int64_t streamed[] = {8, 64};
        for (size_t e = 0; e < sizeof streamed / sizeof *streamed; e++) {
            slices_match(PL_F64, PL_SUM, ((int64_t)1 << 22) + 3, streamed[e], 2, 13 + (uint64_t)level);
            slices_match(PL_F32, PL_SUM, ((int64_t)1 << 23) + 5, streamed[e], 2, 17 + (uint64_t)level);
        }
        slices_match_dense(PL_F64, PL_SUM, ((int64_t)1 << 22) + 8, 8, 2, 19, 5);
        slices_match(PL_F64, PL_MEAN, ((int64_t)1 << 22) + 1, 8, 2, 23);
    }
    pl_set_level(top);
}

static void test_elementwise(void) {
    int64_t n = 100001;
    double *a = malloc((size_t)n * 8), *b = malloc((size_t)n * 8), *o = malloc((size_t)n * 8);
    for (int64_t i = 0; i < n; i++) {
        a[i] = (double)i;
        b[i] = 0.5;
    }
    pl_binary(PL_F64, PL_ADD, a, b, o, n, 2);
    CHECK(o[n - 1] == (double)(n - 1) + 0.5, "add");
    pl_axpy(PL_F64, 2.0, 0, a, o, n, 2);
    CHECK(o[10] == 30.5, "axpy");
    pl_copy(PL_F64, a, a + 1, n - 1, 2);
    CHECK(a[1] == 0.0 && a[n - 1] == (double)(n - 2), "overlapping copy is a memmove");
    int32_t ia[2] = {INT32_MAX, 1}, io[2];
    pl_binary(PL_I32, PL_ADD, ia, ia + 1, io, 1, 1);
    CHECK(io[0] == INT32_MIN, "i32 add wraps");
    free(a);
    free(b);
    free(o);
}

static void test_bad_args(void) {
    double r;
    int64_t iu;
    double x[1] = {1};
    CHECK(pl_reduce(9, PL_SUM, x, 1, PL_ACCURATE, 1, &r, &iu) == PL_E_ARG, "dtype");
    CHECK(pl_reduce(PL_F64, 9, x, 1, PL_ACCURATE, 1, &r, &iu) == PL_E_ARG, "op");
    CHECK(pl_reduce(PL_F64, PL_SUM, NULL, 1, PL_ACCURATE, 1, &r, &iu) == PL_E_ARG, "null");
    CHECK(pl_reduce(PL_F64, PL_SUM, x, -1, PL_ACCURATE, 1, &r, &iu) == PL_E_ARG, "negative n");
    CHECK(pl_set_level(pl_cpu_level() + 1) == PL_E_LEVEL, "unsupported level");
}

/* The team-size rule: one thread up to PL_PARALLEL_MIN, never more than asked, the whole team
 * when regions cost nothing, one thread when they cost more than the work, and never fewer
 * threads for more work. */
static void test_team_size(void) {
    CHECK(pl_region_cost(1) == 0, "a team of one costs no region");
    CHECK(pl_set_region_cost(-1) == PL_OK && pl_region_cost(2) > 0, "measured region cost %lld",
          (long long)pl_region_cost(2));
    CHECK(pl_region_cost(4) >= pl_region_cost(2), "bigger teams cost no less");
    CHECK(pl_region_cost(2) <= 50000 && pl_region_cost(1000) > 0, "a measured cost is capped, and never negative");
    for (int cost = PL_COST_READ; cost <= PL_COST_ACCURATE; cost += PL_COST_ACCURATE - PL_COST_READ) {
        int last = 1;
        for (int64_t n = 1; n <= ((int64_t)1 << 30); n *= 2) {
            int t = pl_team_size(4, n, cost);
            CHECK(t >= 1 && t <= 4, "n=%lld: team %d of 4", (long long)n, t);
            CHECK(t >= last, "n=%lld: team %d after %d for less work", (long long)n, t, last);
            if (n <= PL_PARALLEL_MIN) CHECK(t == 1, "n=%lld at most PL_PARALLEL_MIN: team %d", (long long)n, t);
            last = t;
        }
        CHECK(last == 4, "2^30 elements use every thread asked for (%d)", last);
    }
    CHECK(pl_set_region_cost(0) == PL_OK, "pin");
    CHECK(pl_team_size(4, PL_PARALLEL_MIN, PL_COST_READ) == 1, "PL_PARALLEL_MIN itself");
    CHECK(pl_team_size(4, PL_PARALLEL_MIN + 1, PL_COST_READ) == 4, "free regions: the whole team");
    CHECK(pl_team_size(1, 1 << 24, PL_COST_READ) == 1, "one thread asked for");
    CHECK(pl_set_region_cost(INT64_C(1) << 40) == PL_OK, "pin");
    CHECK(pl_team_size(4, 1 << 24, PL_COST_READ) == 1, "regions dearer than the work: one thread");
    CHECK(pl_set_region_cost(INT64_MAX) == PL_OK && pl_region_cost(2) == INT64_MAX && pl_region_cost(1000) == INT64_MAX,
          "a pinned cost holds for every team size, without overflow");
    CHECK(pl_set_region_cost(0) == PL_OK, "the other tests want every team size they ask for");
}

/* Special values in different threads' parts: a team's parts carry their NaN and infinity counts
 * to the caller, so every team size gives what one thread gives, for sums, dots and variances. */
static void test_team_specials(void) {
    const int64_t n = 100003;
    double *x = malloc((size_t)n * sizeof *x);
    const double specials[][2] = {{INFINITY, 0}, {INFINITY, -INFINITY}, {NAN, 0}, {-INFINITY, 1.0}, {0x1p1000, 0x1p1000}};
    for (size_t c = 0; c < sizeof specials / sizeof *specials; c++) {
        for (int64_t i = 0; i < n; i++) x[i] = (double)(i % 7) * 0.25 - 0.5;
        x[3] = specials[c][0];
        if (specials[c][1] != 0) x[n - 5] = specials[c][1];
        for (int mode = PL_ACCURATE; mode <= PL_FAST; mode++) {
            double ref = 0, refdot = 0, refvar = 0, r, d, v;
            int64_t iu;
            const int threads[] = {1, 2, 3, 4, 8};
            for (int t = 0; t < 5; t++) {
                CHECK(pl_reduce(PL_F64, PL_SUM, x, n, mode, threads[t], &r, &iu) == PL_OK, "sum");
                CHECK(pl_dot(PL_F64, x, x, n, mode, threads[t], &d, &iu) == PL_OK, "dot");
                CHECK(pl_variance(PL_F64, x, n, 0, mode, threads[t], &v) == PL_OK, "var");
                if (t == 0) {
                    ref = r;
                    refdot = d;
                    refvar = v;
                    continue;
                }
                CHECK(same_bits(r, ref) || (isnan(r) && isnan(ref)), "case %zu threads %d: sum %a vs %a", c, threads[t], r, ref);
                CHECK(same_bits(d, refdot) || (isnan(d) && isnan(refdot)), "case %zu threads %d: dot %a vs %a", c, threads[t], d, refdot);
                CHECK(same_bits(v, refvar) || (isnan(v) && isnan(refvar)), "case %zu threads %d: var %a vs %a", c, threads[t], v, refvar);
            }
            if (c == 0) CHECK(ref == (double)INFINITY, "inf sum %a", ref);
            if (c == 1 || c == 2) CHECK(isnan(ref), "inf - inf or NaN: %a", ref);
            if (c == 3) CHECK(ref == -(double)INFINITY, "-inf sum %a", ref);
            if (c == 4) CHECK(ref == 0x1p1001 && isinf(refdot), "big: sum %a dot %a", ref, refdot);
        }
    }
    free(x);
}

int main(void) {
    printf("cpu level %d, threads %d\n", pl_cpu_level(), pl_max_threads());
    test_team_size();
    test_sum_reproducible();
    test_team_specials();
    test_minmax_and_ints();
    test_integer_sums_exact();
    test_slices();
    test_slices_match_the_whole_array_kernel();
    test_elementwise();
    test_bad_args();
    printf("test_kernels: %d failures\n", failures);
    return failures ? 1 : 0;
}
