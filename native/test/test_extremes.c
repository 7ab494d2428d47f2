/* Variance and dot of finite data near the ends of the double range (issue 13, item 3): never
 * NaN, finite whenever the exact result is, products that overflow or underflow counted
 * exactly; the same bits at every SIMD level, thread count and block partition. */
#include "check.h"
#include "paralelo.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int THREADS[] = {1, 2, 3};

/* f64 dot on every level and thread count: the first result, after checking all agree. */
static double dot_everywhere(const double *x, const double *y, int64_t n, int mode, const char *what) {
    int top = pl_cpu_level();
    double first = 0;
    int have = 0;
    for (int level = 0; level <= top; level++) {
        pl_set_level(level);
        for (size_t t = 0; t < sizeof THREADS / sizeof *THREADS; t++) {
            double f = -1;
            int64_t i;
            CHECK(pl_dot(PL_F64, x, y, n, mode, THREADS[t], &f, &i) == PL_OK, "%s: dot status", what);
            if (!have) {
                first = f;
                have = 1;
            }
            CHECK(same_bits(f, first), "%s: dot level %d, %d threads: %a, level 0: %a", what, level, THREADS[t], f, first);
        }
    }
    pl_set_level(top);
    return first;
}

static double var_everywhere(const double *x, int64_t n, int ddof, int mode, const char *what) {
    int top = pl_cpu_level();
    double first = 0;
    int have = 0;
    for (int level = 0; level <= top; level++) {
        pl_set_level(level);
        for (size_t t = 0; t < sizeof THREADS / sizeof *THREADS; t++) {
            double f = -1;
            CHECK(pl_variance(PL_F64, x, n, ddof, mode, THREADS[t], &f) == PL_OK, "%s: variance status", what);
            if (!have) {
                first = f;
                have = 1;
            }
            CHECK(same_bits(f, first), "%s: variance level %d, %d threads: %a, level 0: %a", what, level, THREADS[t], f, first);
        }
    }
    pl_set_level(top);
    return first;
}

static void test_variance_past_dbl_max(void) {
    for (int mode = PL_ACCURATE; mode <= PL_FAST; mode++) {
        /* The cases: numpy gives inf, and so does the exact variance (2.57e616, 3.39e599). */
        double a[] = {1.7e308, 1.7e308, -1.7e308};
        double v = var_everywhere(a, 3, 0, mode, "var [1.7e308, 1.7e308, -1.7e308]");
        CHECK(isinf(v) && v > 0, "var [1.7e308, 1.7e308, -1.7e308] = %g, want inf (mode %d)", v, mode);
        double b[] = {1.2345e300, 0, 0};
        v = var_everywhere(b, 3, 1, mode, "var [1.2345e300, 0, 0]");
        CHECK(isinf(v) && v > 0, "var [1.2345e300, 0, 0] = %g, want inf (mode %d)", v, mode);
        /* A finite variance whose sum of squares overflows: 4 * 1e308 / 4. */
        double c[] = {1e154, -1e154, 1e154, -1e154};
        v = var_everywhere(c, 4, 0, mode, "var [+-1e154]");
        CHECK(same_bits(v, 1e154 * 1e154), "var [+-1e154] = %a, want %a (mode %d)", v, 1e154 * 1e154, mode);
        v = var_everywhere(c, 4, 1, mode, "sample var [+-1e154]");
        double want = 4.0 / 3.0 * 1e308;
        CHECK(fabs(v - want) <= 0x1p-50 * want, "sample var [+-1e154] = %a, want %a", v, want);
        /* Two values whose sum overflows: the mean is finite, the variance 0. */
        double d[] = {1.7e308, 1.7e308};
        v = var_everywhere(d, 2, 0, mode, "var [1.7e308, 1.7e308]");
        CHECK(v == 0, "var [1.7e308, 1.7e308] = %g, want 0 (mode %d)", v, mode);
        double m;
        int64_t unused;
        CHECK(pl_reduce(PL_F64, PL_MEAN, d, 2, mode, 1, &m, &unused) == PL_OK && m == 1.7e308,
              "mean [1.7e308, 1.7e308] = %g", m);
    }
    /* Many elements: sum(d^2) = n * 1.69e308 overflows, the variance 1.69e308 does not; with
     * 1.5e154 the variance itself (2.25e308) is past DBL_MAX. */
    int64_t n = 3 * PL_BLOCK + 17;
    double *x = malloc((size_t)n * sizeof *x);
    for (int64_t i = 0; i < n; i++) x[i] = i % 2 ? -1.3e154 : 1.3e154;
    x[n - 1] = 0; /* n is odd: keep the mean exactly 0 */
    double v = var_everywhere(x, n, 0, PL_ACCURATE, "var +-1.3e154");
    double want = 1.3e154 * 1.3e154 * ((double)(n - 1) / (double)n);
    CHECK(isfinite(v) && fabs(v - want) <= 0x1p-48 * want, "var +-1.3e154 = %a, want %a", v, want);
    for (int64_t i = 0; i + 1 < n; i++) x[i] = i % 2 ? -1.5e154 : 1.5e154;
    v = var_everywhere(x, n, 0, PL_ACCURATE, "var +-1.5e154");
    CHECK(isinf(v) && v > 0, "var +-1.5e154 = %g, want inf", v);
    free(x);
}

static void test_dot_of_overflowing_products(void) {
    for (int mode = PL_ACCURATE; mode <= PL_FAST; mode++) {
        double x[] = {1e200, 1e200}, y[] = {1e200, -1e200};
        double d = dot_everywhere(x, y, 2, mode, "[1e200, 1e200] . [1e200, -1e200]");
        CHECK(d == 0 && !signbit(d), "[1e200, 1e200] . [1e200, -1e200] = %g, want 0 (mode %d)", d, mode);
        /* 2^1100 - (2^1100 - 2^1048) - (2^1048 - 2^1021) = 2^1021: every product overflows. */
        double a[] = {0x1p1000, -0x1p1000, 0x1p1000}, b[] = {0x1p100, 0x1p100 - 0x1p48, -0x1p48 + 0x1p21};
        d = dot_everywhere(a, b, 3, mode, "overflowing products, finite result");
        CHECK(d == 0x1p1021, "overflowing products = %a, want 2^1021 (mode %d)", d, mode);
        /* Overflow of the exact result keeps its sign. */
        double e[] = {1e300, 1e300}, f[] = {-1e300, 1.0};
        d = dot_everywhere(e, f, 2, mode, "negative overflow");
        CHECK(isinf(d) && d < 0, "negative overflow = %g (mode %d)", d, mode);
    }
    /* One overflowing product in a block of ordinary ones, at every position mod 8 and in the
     * tail: the block is exact, so the result is the exact sum rounded once. */
    int64_t n = PL_BLOCK + 13;
    double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    for (int64_t pos = 0; pos < n; pos += 509) {
        for (int64_t i = 0; i < n; i++) {
            x[i] = (double)(i % 7) - 3;
            y[i] = 0.25 * (double)(i % 5);
        }
        x[pos] = 0x1p600;
        y[pos] = 0x1p600; /* 2^1200 */
        int64_t other = (pos + 1) % n;
        x[other] = -0x1p600;
        y[other] = 0x1p600; /* cancels it exactly */
        double want = 0, got = dot_everywhere(x, y, n, PL_ACCURATE, "one overflowing pair");
        for (int64_t i = 0; i < n; i++)
            if (i != pos && i != other) want += x[i] * y[i]; /* small integers and quarters: exact */
        CHECK(got == want, "overflowing pair at %lld: %a, want %a", (long long)pos, got, want);
    }
    free(x);
    free(y);
}

static void test_dot_of_underflowing_products(void) {
    double x[] = {1.5e-323, 1.5e-323}, y[] = {0.5, 0.5};
    /* 1.5e-323 is 3 * 2^-1074; each product 1.5 * 2^-1074 rounds to 2 * 2^-1074. */
    double d = dot_everywhere(x, y, 2, PL_ACCURATE, "[1.5e-323]*2 . [0.5]*2");
    CHECK(d == 3 * 0x1p-1074, "[1.5e-323]*2 . [0.5]*2 = %a, want 3 * 2^-1074", d);
    /* Products that round to zero: 3 * 4096 of 2^-1076 make 3 * 2^-1064. */
    int64_t n = 3 * PL_BLOCK;
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    for (int64_t i = 0; i < n; i++) a[i] = b[i] = 0x1p-538;
    d = dot_everywhere(a, b, n, PL_ACCURATE, "products that underflow to zero");
    CHECK(d == 3 * 0x1p-1064, "products of 2^-1076 = %a, want 3 * 2^-1064", d);
    /* Zero factors are no tiny products (the lanes stay fast), and two tiny ones anywhere are
     * found: each product 1.5 * 2^-1074 would round to 2 * 2^-1074 and lose its error. */
    for (int64_t pos = 0; pos + 1 < n; pos += 1021) {
        for (int64_t i = 0; i < n; i++) {
            a[i] = i % 3 ? 0.0 : -0.0;
            b[i] = i % 2 ? 5.0 : -7.0;
        }
        a[pos] = a[n - 1 - pos / 2] = 3 * 0x1p-1074;
        b[pos] = b[n - 1 - pos / 2] = 0.5;
        d = dot_everywhere(a, b, n, PL_ACCURATE, "two tiny products among zeros");
        CHECK(d == 3 * 0x1p-1074, "tiny products at %lld, %lld: %a, want 3 * 2^-1074", (long long)pos,
              (long long)(n - 1 - pos / 2), d);
    }
    free(a);
    free(b);
}

/* Partials of extreme data over block-aligned cuts, merged in reverse order: the whole's bits. */
static void test_partials_of_extremes_merge_to_the_whole(void) {
    int64_t n = 5 * PL_BLOCK + 77;
    double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y), *z = malloc((size_t)n * sizeof *z);
    for (int64_t i = 0; i < n; i++) {
        x[i] = z[i] = ldexp(uniform() - 0.5, (int)(next_u64() % 200) - 100);
        y[i] = ldexp(uniform() - 0.5, (int)(next_u64() % 200) - 100);
    }
    x[10] = 1e200, y[10] = 1e200;                            /* block 0: a product overflows */
    x[PL_BLOCK + 3] = 0x1p-700, y[PL_BLOCK + 3] = 0x1.3p-380; /* block 1: a tiny product */
    x[4 * PL_BLOCK + 1] = -1e200, y[4 * PL_BLOCK + 1] = 1e200; /* block 4: cancels block 0 */
    for (int64_t i = 0; i < 16; i++) z[3 * PL_BLOCK + 8 * i] = i % 2 ? -1.3e154 : 1.3e154; /* squares overflow a lane */
    const int64_t cuts_list[][4] = {{n}, {PL_BLOCK, n}, {2 * PL_BLOCK, 3 * PL_BLOCK, n}, {PL_BLOCK, 4 * PL_BLOCK, 5 * PL_BLOCK, n}};
    const int ncuts[] = {1, 2, 3, 4};
    int top = pl_cpu_level();
    for (int mode = PL_ACCURATE; mode <= PL_FAST; mode++) {
        double want_dot, want_var, mean;
        int64_t unused;
        pl_dot(PL_F64, x, y, n, mode, 1, &want_dot, &unused);
        pl_variance(PL_F64, z, n, 1, mode, 1, &want_var);
        pl_reduce(PL_F64, PL_MEAN, z, n, mode, 1, &mean, &unused);
        CHECK(isfinite(want_dot) && isfinite(want_var), "extreme data: dot %g, var %g", want_dot, want_var);
        for (size_t c = 0; c < sizeof ncuts / sizeof *ncuts; c++) {
            pl_set_level((int)c % (top + 1));
            pl_acc dots[4], total;
            pl_centered vars[4], vtotal;
            int64_t lo = 0;
            for (int k = 0; k < ncuts[c]; k++) {
                pl_state_init(&dots[k], PL_F64, PL_DOT, 0);
                pl_state_init(&vars[k], PL_F64, PL_VAR, mean);
                CHECK(pl_partial_dot(PL_F64, x, y, n, lo, cuts_list[c][k], mode, 1 + k, &dots[k]) == PL_OK, "dot partial");
                CHECK(pl_partial(PL_F64, PL_VAR, z, n, lo, cuts_list[c][k], mode, 2, &vars[k]) == PL_OK, "var partial");
                lo = cuts_list[c][k];
            }
            pl_state_init(&total, PL_F64, PL_DOT, 0);
            pl_state_init(&vtotal, PL_F64, PL_VAR, mean);
            for (int k = ncuts[c] - 1; k >= 0; k--) {
                pl_merge(PL_STATE_SUM, &total, &dots[k]);
                pl_merge(PL_STATE_CENTERED, &vtotal, &vars[k]);
            }
            double d, v;
            pl_acc_round(&total, &d);
            pl_variance_result(PL_STATE_CENTERED, &vtotal, 1, &v);
            CHECK(same_bits(d, want_dot), "dot from %d partials: %a, want %a", ncuts[c], d, want_dot);
            CHECK(same_bits(v, want_var), "var from %d partials: %a, want %a", ncuts[c], v, want_var);
        }
        pl_set_level(top);
    }
    free(x);
    free(y);
    free(z);
}

/* A random double over the whole finite range (subnormals included), either sign. */
static double any_double(void) {
    double m = 1 + uniform();
    int e = (int)(next_u64() % 2100) - 1075;
    return ldexp(m, e) * ((next_u64() & 1) ? 1 : -1);
}

/* The accumulator's exact products against IEEE arithmetic, which rounds a product (and fma a
 * product plus a double) once, correctly, with the same overflow and underflow rules. */
static void test_exact_products(void) {
    pl_acc a;
    double r;
    for (int trial = 0; trial < 20000; trial++) {
        double x = any_double(), y = any_double(), z = any_double();
        pl_acc_init(&a);
        pl_acc_add_product(&a, x, y);
        pl_acc_round(&a, &r);
        /* a nonzero product that rounds to zero keeps its sign, as IEEE's does */
        CHECK(same_bits(r, x * y), "%a * %a: %a, IEEE %a", x, y, r, x * y);
        pl_acc_add(&a, z);
        pl_acc_round(&a, &r);
        double f = fma(x, y, z);
        CHECK(r == f || (isnan(f) && isnan(r)), "%a * %a + %a: %a, fma %a", x, y, z, r, f);
    }
    pl_acc_init(&a);
    pl_acc_add_product(&a, DBL_MAX, DBL_MAX);
    pl_acc_add_product(&a, 0x1p-1074, 0x1p-1074);
    pl_acc_add_product(&a, -DBL_MAX, DBL_MAX);
    pl_acc_round(&a, &r);
    CHECK(r == 0 && !signbit(r), "2^-2148 alone rounds to +0: %a", r);
    pl_acc_add_product(&a, 0x1p-1074, 0x1p-1);
    pl_acc_round(&a, &r);
    CHECK(r == 0x1p-1074, "2^-1075 + 2^-2148 rounds up to 2^-1074: %a", r);
    pl_acc_init(&a);
    pl_acc_add_product(&a, INFINITY, 0.0);
    pl_acc_round(&a, &r);
    CHECK(isnan(r), "inf * 0 is NaN");
    pl_acc_init(&a);
    pl_acc_add_product(&a, -INFINITY, 2.0);
    pl_acc_add_product(&a, 1e300, 1e300);
    pl_acc_round(&a, &r);
    CHECK(isinf(r) && r < 0, "-inf * 2 is -inf");
    pl_acc_init(&a);
    for (int i = 0; i < 4; i++) pl_acc_add(&a, DBL_MAX);
    CHECK(pl_acc_mean(&a, 4, &r) == PL_OK && r == DBL_MAX, "mean of 4 DBL_MAX: %a", r);
    pl_acc_init(&a);
    CHECK(pl_acc_mean(&a, 0, &r) == PL_OK && isnan(r), "empty mean is NaN");
    CHECK(pl_acc_add_product(NULL, 1, 1) == PL_E_ARG && pl_acc_mean(NULL, 1, &r) == PL_E_ARG, "null");
}

int main(void) {
    pl_set_region_cost(0); /* every team size the tests ask for, whatever regions cost here */
    rng_state = 0x2545F4914F6CDD1DULL;
    test_exact_products();
    test_variance_past_dbl_max();
    test_dot_of_overflowing_products();
    test_dot_of_underflowing_products();
    test_partials_of_extremes_merge_to_the_whole();
    printf("test_extremes: %d failures\n", failures);
    return failures ? 1 : 0;
}
