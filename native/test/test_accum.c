/* The exact accumulator against an independent exact summation (Shewchuk's expansions with
 * the final half-way correction, as math.fsum does it), on adversarial inputs. */
#include "check.h"
#include "paralelo.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Correctly rounded sum of finite doubles whose partial sums stay finite (reference). */
static double fsum_reference(const double *x, int n) {
    double p[1200];
    int np = 0;
    for (int i = 0; i < n; i++) {
        double v = x[i];
        int k = 0;
        for (int j = 0; j < np; j++) {
            double y = p[j];
            if (fabs(v) < fabs(y)) {
                double t = v;
                v = y;
                y = t;
            }
            double hi = v + y;
            double lo = y - (hi - v);
            if (lo != 0.0) p[k++] = lo;
            v = hi;
        }
        p[k++] = v;
        np = k;
    }
    if (np == 0) return 0.0;
    double hi = p[--np], lo = 0;
    while (np > 0) {
        double v = hi, y = p[--np];
        hi = v + y;
        double yr = hi - v;
        lo = y - yr;
        if (lo != 0.0) break;
    }
    if (np > 0 && ((lo < 0 && p[np - 1] < 0) || (lo > 0 && p[np - 1] > 0))) {
        double y = lo * 2;
        double v = hi + y;
        if (y == v - hi) hi = v;
    }
    return hi;
}

static double acc_sum(const double *x, int n) {
    pl_acc a;
    pl_acc_init(&a);
    for (int i = 0; i < n; i++) pl_acc_add(&a, x[i]);
    double r;
    pl_acc_round(&a, &r);
    return r;
}

int main(void) {
    rng_state = 88172645463325252ULL;
    double x[1000];
    /* Cancellation of huge terms leaves the small one exactly. */
    double c1[] = {1e308, 1.0, -1e308, 0x1p-1074};
    CHECK(acc_sum(c1, 4) == 1.0, "cancel: %.17g", acc_sum(c1, 4));
    /* Ties round to even: 2^53 + 1 is halfway between 2^53 and 2^53 + 2. */
    double c2[] = {0x1p53, 1.0};
    CHECK(acc_sum(c2, 2) == 0x1p53, "tie to even");
    double c3[] = {0x1p53, 1.0, 0x1p-60};
    CHECK(acc_sum(c3, 3) == 0x1p53 + 2, "sticky bit breaks the tie");
    double c4[] = {0x1p53 + 2, 1.0};
    CHECK(acc_sum(c4, 2) == 0x1p53 + 4, "tie to even upward");
    /* Subnormals are exact. */
    double c5[] = {0x1p-1074, 0x1p-1074, 0x1p-1073, -0x1p-1074};
    CHECK(acc_sum(c5, 4) == 0x1p-1072 - 0x1p-1074, "subnormal");
    double c6[] = {0x1p-1022, -0x1p-1074};
    CHECK(acc_sum(c6, 2) == 0x1p-1022 - 0x1p-1074, "normal to subnormal");
    /* Overflow of the true sum rounds to infinity, of either sign. */
    double c7[] = {1.7976931348623157e308, 1.7976931348623157e308, -1.7976931348623157e308};
    CHECK(acc_sum(c7, 3) == 1.7976931348623157e308, "finite after cancelling an overflow: %a",
          acc_sum(c7, 3));
    double c8[] = {-1.7976931348623157e308, -1.7976931348623157e308};
    CHECK(isinf(acc_sum(c8, 2)) && acc_sum(c8, 2) < 0, "negative overflow");
    double c9[] = {INFINITY, 1.0};
    CHECK(isinf(acc_sum(c9, 2)), "inf");
    double c10[] = {INFINITY, -INFINITY};
    CHECK(isnan(acc_sum(c10, 2)), "inf - inf");
    double c11[] = {NAN, 1.0};
    CHECK(isnan(acc_sum(c11, 2)), "nan");
    CHECK(acc_sum(c1, 0) == 0.0 && !signbit(acc_sum(c1, 0)), "empty is +0");

    /* Random wide-range inputs, compared bit for bit with the reference. */
    for (int trial = 0; trial < 2000; trial++) {
        int n = 1 + (int)(next_u64() % 200);
        int spread = trial % 4 == 0 ? 600 : (trial % 4 == 1 ? 60 : 20);
        for (int i = 0; i < n; i++) {
            double m = uniform() + 0.5;
            int e = (int)(next_u64() % (uint64_t)(2 * spread)) - spread;
            x[i] = ldexp(m, e) * ((next_u64() & 1) ? 1 : -1);
        }
        /* Add exact negatives of some terms to force deep cancellation. */
        for (int i = 0; i + 1 < n; i += 3) x[i + 1] = -x[i];
        double want = fsum_reference(x, n), got = acc_sum(x, n);
        CHECK(same_bits(want, got) || (want == 0 && got == 0), "trial %d: want %a got %a", trial,
              want, got);
    }

    /* Merging is exact: any split merges to the same bits. */
    for (int trial = 0; trial < 200; trial++) {
        int n = 2 + (int)(next_u64() % 500);
        for (int i = 0; i < n; i++) x[i] = ldexp(uniform() - 0.5, (int)(next_u64() % 200) - 100);
        int cut = 1 + (int)(next_u64() % (uint64_t)(n - 1));
        pl_acc a, b;
        pl_acc_init(&a);
        pl_acc_init(&b);
        for (int i = 0; i < cut; i++) pl_acc_add(&a, x[i]);
        for (int i = cut; i < n; i++) pl_acc_add(&b, x[i]);
        pl_acc_merge(&b, &a);
        double merged;
        pl_acc_round(&b, &merged);
        CHECK(same_bits(merged, acc_sum(x, n)), "merge at %d", cut);
    }
    CHECK(pl_acc_init(NULL) == PL_E_ARG, "null acc");
    CHECK(pl_acc_round(NULL, NULL) == PL_E_ARG, "null round");

    printf("test_accum: %d failures\n", failures);
    return failures ? 1 : 0;
}
