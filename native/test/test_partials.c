/* Partial states: every reduction merged from block-aligned partials (any partition, thread
 * count, SIMD level and merge order) gives the bits of the whole-array call; ranges that are
 * not block-aligned are refused; the integer dot and variance are exact; slices longer than a
 * block equal the whole-array kernel on the slice. */
#include "check.h"
#include "paralelo.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pl_dtype_is_float_test(int dtype) { return dtype == PL_F64 || dtype == PL_F32; }

typedef union state {
    pl_acc acc;
    pl_wide wide;
    pl_extremum extremum;
    pl_centered centered;
    pl_moments moments;
} state;

static void test_partition(void) {
    const int64_t sizes[] = {0, 1, 4095, 4096, 4097, 40960, 40961, 1000003};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int64_t n = sizes[s];
        for (int64_t parts = 1; parts <= 9; parts++) {
            int64_t prev = 0;
            for (int64_t i = 0; i < parts; i++) {
                int64_t lo, hi;
                CHECK(pl_partition(n, parts, i, &lo, &hi) == PL_OK, "partition");
                CHECK(lo == prev && hi >= lo && lo % PL_BLOCK == 0 && (hi % PL_BLOCK == 0 || hi == n),
                      "n=%lld parts=%lld part %lld = [%lld, %lld)", (long long)n,
                      (long long)parts, (long long)i, (long long)lo, (long long)hi);
                prev = hi;
            }
            CHECK(prev == n, "parts cover [0, n)");
        }
    }
    int64_t lo, hi;
    CHECK(pl_partition(10, 0, 0, &lo, &hi) == PL_E_ARG, "no parts");
    CHECK(pl_partition(10, 2, 2, &lo, &hi) == PL_E_ARG, "index past the parts");
    /* Huge n and many parts: no overflow in blocks * index. */
    int64_t big = INT64_C(1) << 62;
    CHECK(pl_partition(big, 1 << 30, (1 << 30) - 1, &lo, &hi) == PL_OK && hi == big, "huge");
}

/* The merged partial of x over `cuts` (block-aligned cut points, ascending, then n) for one
 * reduction, merged in reverse order to show order does not matter. */
static int merged(int dtype, int op, const void *x, const void *y, int64_t n, int mode,
                  double center, const int64_t *cuts, int ncuts, int threads, state *out) {
    state parts[16];
    int64_t lo = 0;
    for (int c = 0; c < ncuts; c++) {
        pl_state_init(&parts[c], dtype, op, center);
        int s = op == PL_DOT ? pl_partial_dot(dtype, x, y, n, lo, cuts[c], mode, threads, &parts[c])
                             : pl_partial(dtype, op, x, n, lo, cuts[c], mode, threads, &parts[c]);
        if (s != PL_OK) return s;
        lo = cuts[c];
    }
    int kind = pl_state_kind(dtype, op);
    pl_state_init(out, dtype, op, center);
    for (int c = ncuts - 1; c >= 0; c--)
        if (pl_merge(kind, out, &parts[c]) != PL_OK) return PL_E_ARG;
    return PL_OK;
}

/* Random block-aligned cuts of [0, n): up to 6 ranges, some empty. */
static int random_cuts(int64_t n, int64_t *cuts) {
    int64_t blocks = n / PL_BLOCK + (n % PL_BLOCK != 0);
    int k = 1 + (int)(next_u64() % 6);
    int64_t b[8];
    for (int i = 0; i < k - 1; i++) b[i] = blocks ? (int64_t)(next_u64() % (uint64_t)(blocks + 1)) : 0;
    for (int i = 0; i < k - 1; i++) /* insertion sort */
        for (int j = i; j > 0 && b[j] < b[j - 1]; j--) {
            int64_t t = b[j];
            b[j] = b[j - 1];
            b[j - 1] = t;
        }
    for (int i = 0; i < k - 1; i++) cuts[i] = b[i] * PL_BLOCK < n ? b[i] * PL_BLOCK : n;
    cuts[k - 1] = n;
    return k;
}

static void fill_data(int dtype, void *x, int64_t n, int seed) {
    for (int64_t i = 0; i < n; i++) {
        double u = uniform();
        switch (dtype) {
        case PL_F64:
            ((double *)x)[i] = (u - 0.5) * pow(10.0, (double)((i * 7 + seed) % 17) - 8);
            break;
        case PL_F32: ((float *)x)[i] = (float)((u - 0.5) * 1e3); break;
        case PL_I64: ((int64_t *)x)[i] = (int64_t)next_u64() >> (seed % 3 == 0 ? 1 : 20); break;
        default: ((int32_t *)x)[i] = (int32_t)next_u64(); break;
        }
    }
}

static void test_partials_merge_to_the_whole(void) {
    const int64_t sizes[] = {0, 5, 4096, 4097, 3 * 4096 + 17, 40961, 200003};
    const int dtypes[] = {PL_F64, PL_F32, PL_I64, PL_I32};
    int top = pl_cpu_level();
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int64_t n = sizes[s];
        for (int d = 0; d < 4; d++) {
            int dtype = dtypes[d];
            void *x = malloc((size_t)(n ? n : 1) * 8), *y = malloc((size_t)(n ? n : 1) * 8);
            fill_data(dtype, x, n, (int)s);
            fill_data(dtype, y, n, (int)s + 1);
            for (int mode = PL_ACCURATE; mode <= PL_FAST; mode++) {
                double want_sum = 0, want_mean = 0, want_dot = 0, want_var = 0, want_min = 0, want_max = 0;
                int64_t isum = 0, idot = 0, imin = 0, imax = 0;
                int rs = pl_reduce(dtype, PL_SUM, x, n, mode, 1, &want_sum, &isum);
                pl_reduce(dtype, PL_MEAN, x, n, mode, 1, &want_mean, &isum);
                if (rs == PL_OK) pl_reduce(dtype, PL_SUM, x, n, mode, 1, &want_sum, &isum);
                int rd = pl_dot(dtype, x, y, n, mode, 1, &want_dot, &idot);
                pl_variance(dtype, x, n, 1, mode, 1, &want_var);
                int rmin = pl_reduce(dtype, PL_MIN, x, n, mode, 1, &want_min, &imin);
                pl_reduce(dtype, PL_MAX, x, n, mode, 1, &want_max, &imax);
                for (int trial = 0; trial < 6; trial++) {
                    int level = trial % (top + 1), threads = 1 + trial;
                    pl_set_level(level);
                    int64_t cuts[8];
                    int k = random_cuts(n, cuts);
                    state st;
                    double f = 0;
                    int64_t i = 0, idx;
                    /* sum and mean */
                    CHECK(merged(dtype, PL_SUM, x, NULL, n, mode, 0, cuts, k, threads, &st) == PL_OK, "sum partial");
                    if (pl_dtype_is_float_test(dtype)) {
                        pl_acc_round(&st.acc, &f);
                        CHECK(same_bits(f, want_sum), "sum dtype=%d n=%lld k=%d: %a vs %a", dtype,
                              (long long)n, k, f, want_sum);
                    } else {
                        int r = pl_wide_to_i64(&st.wide, &i);
                        CHECK(r == rs && (r != PL_OK || i == isum), "isum dtype=%d n=%lld", dtype, (long long)n);
                    }
                    /* dot */
                    CHECK(merged(dtype, PL_DOT, x, y, n, mode, 0, cuts, k, threads, &st) == PL_OK, "dot partial");
                    if (pl_dtype_is_float_test(dtype)) {
                        pl_acc_round(&st.acc, &f);
                        CHECK(same_bits(f, want_dot), "dot dtype=%d n=%lld", dtype, (long long)n);
                    } else {
                        int r = pl_wide_to_i64(&st.wide, &i);
                        CHECK(r == rd && (r != PL_OK || i == idot), "idot dtype=%d n=%lld", dtype, (long long)n);
                    }
                    /* variance: floats centre on the sample's mean, and again where pl_variance_recenter
                     * says; integers take one phase */
                    double center = 0, next = NAN;
                    if (pl_dtype_is_float_test(dtype)) CHECK(pl_variance_center(dtype, x, n, &center) == PL_OK, "centre");
                    CHECK(merged(dtype, PL_VAR, x, NULL, n, mode, center, cuts, k, threads, &st) == PL_OK, "var partial");
                    if (pl_dtype_is_float_test(dtype)) CHECK(pl_variance_recenter(&st.centered, &next) == PL_OK, "recentre");
                    if (next == next)
                        CHECK(merged(dtype, PL_VAR, x, NULL, n, mode, next, cuts, k, threads, &st) == PL_OK, "var again");
                    pl_variance_result(pl_state_kind(dtype, PL_VAR), &st, 1, &f);
                    CHECK(same_bits(f, want_var) || (isnan(f) && isnan(want_var)),
                          "var dtype=%d n=%lld: %a vs %a", dtype, (long long)n, f, want_var);
                    /* min and max */
                    for (int op = PL_MIN; op <= PL_MAX; op++) {
                        CHECK(merged(dtype, op, x, NULL, n, mode, 0, cuts, k, threads, &st) == PL_OK, "ext partial");
                        int r = pl_extremum_result(&st.extremum, &f, &i, &idx);
                        CHECK(r == rmin, "empty extremum status");
                        if (r == PL_OK) {
                            if (pl_dtype_is_float_test(dtype))
                                CHECK(same_bits(f, op == PL_MIN ? want_min : want_max), "ext dtype=%d", dtype);
                            else
                                CHECK(i == (op == PL_MIN ? imin : imax), "iext dtype=%d", dtype);
                        }
                    }
                }
                pl_set_level(top);
            }
            free(x);
            free(y);
        }
    }
}

static void test_alignment_is_enforced(void) {
    double x[10000] = {0};
    pl_acc acc;
    pl_acc_init(&acc);
    CHECK(pl_partial(PL_F64, PL_SUM, x, 10000, 1, 4096, PL_ACCURATE, 1, &acc) == PL_E_ALIGN, "lo off a block");
    CHECK(pl_partial(PL_F64, PL_SUM, x, 10000, 0, 5000, PL_ACCURATE, 1, &acc) == PL_E_ALIGN, "hi off a block");
    CHECK(pl_partial(PL_F64, PL_SUM, x, 10000, 8192, 10000, PL_ACCURATE, 1, &acc) == PL_OK, "hi at n");
    CHECK(pl_partial(PL_F64, PL_SUM, x, 10000, 8192, 10001, PL_ACCURATE, 1, &acc) == PL_E_INDEX, "past n");
    CHECK(pl_partial(PL_F64, PL_SUM, x, 10000, 4096, 0, PL_ACCURATE, 1, &acc) == PL_E_INDEX, "hi < lo");
    pl_extremum a, b;
    pl_state_init(&a, PL_F64, PL_MIN, 0);
    pl_state_init(&b, PL_F64, PL_MAX, 0);
    CHECK(pl_partial(PL_F64, PL_MIN, x, 10, 0, 10, PL_ACCURATE, 1, &b) == PL_E_MISMATCH, "a max state for a min");
    CHECK(pl_merge(PL_STATE_EXTREMUM, &a, &b) == PL_E_MISMATCH, "min merged with max");
    pl_centered c1, c2;
    pl_state_init(&c1, PL_F64, PL_VAR, 1.0);
    pl_state_init(&c2, PL_F64, PL_VAR, 2.0);
    CHECK(pl_merge(PL_STATE_CENTERED, &c1, &c2) == PL_E_MISMATCH, "different centres");
    CHECK(pl_state_kind(PL_F64, 9) == PL_E_ARG && pl_state_words(0) == PL_E_ARG, "unknown kinds");
}

/* Forged or huge states: counts never wrap, finishes refuse what no data can produce. */
static void test_states_keep_their_bounds(void) {
    int64_t lo, hi;
    CHECK(pl_partition(INT64_MAX, 1, 0, &lo, &hi) == PL_E_ARG, "no array is that long");
    CHECK(pl_partition((INT64_C(1) << 62), 3, 2, &lo, &hi) == PL_OK && hi == (INT64_C(1) << 62), "2^62 ends at n");
    pl_extremum a, b;
    pl_state_init(&a, PL_F64, PL_MIN, 0);
    pl_state_init(&b, PL_F64, PL_MIN, 0);
    a.count = b.count = INT64_C(1) << 62;
    CHECK(pl_merge(PL_STATE_EXTREMUM, &a, &b) == PL_E_OVERFLOW && a.count == (INT64_C(1) << 62), "counts past 2^62");
    pl_acc n1, n2;
    pl_acc_init(&n1);
    pl_acc_init(&n2);
    n1.nan = INT64_C(1) << 62;
    n2.nan = 5;
    pl_acc_merge(&n1, &n1);
    pl_acc_merge(&n1, &n2);
    double r;
    pl_acc_round(&n1, &r);
    CHECK(isnan(r) && n1.nan == (INT64_C(1) << 62), "NaN counts saturate");
    pl_moments m;
    pl_state_init(&m, PL_I64, PL_VAR, 0);
    m.count = 1;
    m.sum.word[0] = m.sum.word[1] = UINT64_MAX; /* 2^128 - 1 */
    m.sum.word[2] = m.sum.word[3] = 0;
    m.sumsq.word[0] = 1;
    CHECK(pl_variance_result(PL_STATE_MOMENTS, &m, 0, &r) == PL_E_ARG, "a sum no data reaches");
    m.count = INT64_MIN;
    CHECK(pl_variance_result(PL_STATE_MOMENTS, &m, 1, &r) == PL_E_ARG, "a negative count");
}

/* Accumulators and counts no call leaves (bytes from elsewhere) are refused (PL_E_ARG) by the
 * merges, finishes and pl_partial, not added into a signed overflow (UBSan's abort in the
 * sanitize build); a count that would pass 2^62 is PL_E_OVERFLOW. */
static void test_forged_accumulators_are_refused(void) {
    double x[PL_BLOCK] = {0}, f;
    pl_acc good, bad;
    pl_acc_init(&good);
    for (int i = 0; i < 1000; i++) { /* digits far apart: +-1e300 that cancel, and 0 + 1 + ... + 999 */
        pl_acc_add(&good, i % 2 ? -1e300 : 1e300);
        pl_acc_add(&good, i);
    }
    struct {
        const char *what;
        int64_t *word;
        int64_t value;
    } forged[] = {{"a digit at INT64_MAX", &bad.digit[40], INT64_MAX}, {"a digit at INT64_MIN", &bad.digit[7], INT64_MIN},
                  {"the top digit at 2^50", &bad.digit[PL_ACC_DIGITS - 1], INT64_C(1) << 50},
                  {"adds at INT64_MAX", &bad.adds, INT64_MAX}, {"adds negative", &bad.adds, -1},
                  {"a negative NaN count", &bad.nan, -1}, {"an infinity count at INT64_MIN", &bad.neg_inf, INT64_MIN}};
    for (size_t c = 0; c < sizeof forged / sizeof *forged; c++) {
        bad = good;
        *forged[c].word = forged[c].value;
        pl_acc dst = good;
        CHECK(pl_acc_merge(&dst, &bad) == PL_E_ARG && memcmp(&dst, &good, sizeof dst) == 0, "merge of %s", forged[c].what);
        dst = bad;
        CHECK(pl_acc_merge(&dst, &good) == PL_E_ARG, "merge into %s", forged[c].what);
        CHECK(pl_merge(PL_STATE_SUM, &dst, &good) == PL_E_ARG, "pl_merge into %s", forged[c].what);
        CHECK(pl_acc_round(&bad, &f) == PL_E_ARG && pl_acc_mean(&bad, 3, &f) == PL_E_ARG, "finish of %s", forged[c].what);
        CHECK(pl_partial(PL_F64, PL_SUM, x, PL_BLOCK, 0, PL_BLOCK, PL_ACCURATE, 1, &bad) == PL_E_ARG, "partial into %s",
              forged[c].what);
        pl_centered cs;
        pl_state_init(&cs, PL_F64, PL_VAR, 0);
        cs.sq = bad;
        CHECK(pl_variance_result(PL_STATE_CENTERED, &cs, 0, &f) == PL_E_ARG, "variance of %s", forged[c].what);
    }
    /* NaN and infinity counts stop at 2^62 in additions as in merges: still an accumulator */
    pl_acc many = good;
    many.nan = INT64_C(1) << 62;
    CHECK(pl_acc_add(&many, NAN) == PL_OK && many.nan == INT64_C(1) << 62 && pl_acc_round(&many, &f) == PL_OK && isnan(f),
          "a NaN count at 2^62 stays there: %lld", (long long)many.nan);
    many.nan = INT64_MAX;
    CHECK(pl_acc_add(&many, NAN) == PL_E_ARG, "a NaN count past 2^62 is refused by an addition");
    bad = good;
    bad.adds = INT64_MAX;
    CHECK(pl_acc_add(&bad, 1.0) == PL_E_ARG && pl_acc_add_product(&bad, 1.0, 2.0) == PL_E_ARG, "an addition past adds");
    /* counts: negative is no state a call leaves; one near 2^62 has no room for a block more */
    pl_centered c1, c2;
    pl_state_init(&c1, PL_F64, PL_VAR, 0);
    pl_state_init(&c2, PL_F64, PL_VAR, 0);
    c2.count = -1;
    CHECK(pl_merge(PL_STATE_CENTERED, &c1, &c2) == PL_E_ARG, "a negative centred count");
    pl_moments m1, m2;
    pl_state_init(&m1, PL_I64, PL_VAR, 0);
    pl_state_init(&m2, PL_I64, PL_VAR, 0);
    m1.count = INT64_MIN;
    CHECK(pl_merge(PL_STATE_MOMENTS, &m2, &m1) == PL_E_ARG, "a moments count at INT64_MIN");
    c1.count = (INT64_C(1) << 62) - 10;
    CHECK(pl_partial(PL_F64, PL_VAR, x, PL_BLOCK, 0, PL_BLOCK, PL_ACCURATE, 1, &c1) == PL_E_OVERFLOW && c1.count == (INT64_C(1) << 62) - 10,
          "a centred count with no room for a block");
    c1.count = -5;
    CHECK(pl_partial(PL_F64, PL_VAR, x, PL_BLOCK, 0, PL_BLOCK, PL_ACCURATE, 1, &c1) == PL_E_ARG, "a negative count in pl_partial");
    /* a real accumulator still merges and rounds */
    pl_acc dst;
    pl_acc_init(&dst);
    CHECK(pl_acc_merge(&dst, &good) == PL_OK && pl_acc_round(&dst, &f) == PL_OK && f == 499500, "a real one: %g", f);
}

/* Min/max states no call leaves are refused by the finish, the merge and pl_partial (PL_E_ARG),
 * as paralelo.h says of what the structs record; an index past the count is not one of them. */
static void test_forged_extremum_states_are_refused(void) {
    enum { N = 3 * PL_BLOCK + 5 };
    static double x[N];
    for (int64_t i = 0; i < N; i++) x[i] = (double)((i * 37) % 1001);
    x[2 * PL_BLOCK + 3] = -5;
    pl_extremum good, st, other;
    double f;
    int64_t i, idx;
    /* A partial of a later range: index counts from x[0], so it passes the count. */
    pl_state_init(&good, PL_F64, PL_MIN, 0);
    CHECK(pl_partial(PL_F64, PL_MIN, x, N, 2 * PL_BLOCK, N, PL_ACCURATE, 1, &good) == PL_OK, "later range");
    CHECK(good.index >= good.count, "the case this test needs");
    CHECK(pl_extremum_result(&good, &f, &i, &idx) == PL_OK && f == -5 && idx == 2 * PL_BLOCK + 3,
          "an index past the count is a later range's");

    struct {
        const char *what;
        int field;
        int64_t value;
    } forged[] = {
        {"unknown dtype", 0, 99},
        {"dtype past int", 0, PL_F64 + (INT64_C(1) << 32)},
        {"negative dtype", 0, -1},
        {"unknown op", 1, 42},
        {"sum op", 1, PL_SUM},
        {"op past int", 1, PL_MIN + (INT64_C(1) << 32)},
        {"negative count", 2, -1},
        {"count past 2^62", 2, (INT64_C(1) << 62) + 1},
        {"NaN flag 2", 3, 2},
        {"NaN flag without a NaN value", 3, 1},
        {"negative index", 4, -1},
        {"index at 2^62", 4, INT64_C(1) << 62},
        {"NaN value without the flag", 5, 0x7FF8000000000000},
    };
    for (size_t k = 0; k < sizeof forged / sizeof forged[0]; k++) {
        st = good;
        int64_t *w = (int64_t *)(void *)&st;
        w[forged[k].field] = forged[k].value;
        CHECK(pl_extremum_result(&st, &f, &i, &idx) == PL_E_ARG, "result of %s", forged[k].what);
        other = st;
        CHECK(pl_merge(PL_STATE_EXTREMUM, &other, &st) == PL_E_ARG, "merge of two with %s", forged[k].what);
        other = good;
        int rc = pl_merge(PL_STATE_EXTREMUM, &other, &st);
        CHECK((rc == PL_E_ARG || rc == PL_E_MISMATCH) && memcmp(&other, &good, sizeof good) == 0,
              "merge into a good state of one with %s: %d", forged[k].what, rc);
        rc = pl_partial(PL_F64, PL_MIN, x, N, 0, PL_BLOCK, PL_ACCURATE, 2, &st);
        CHECK(rc == PL_E_ARG || rc == PL_E_MISMATCH, "partial into one with %s: %d", forged[k].what, rc);
    }

    /* An empty state is all zeros but its dtype and op. */
    pl_state_init(&st, PL_F64, PL_MAX, 0);
    CHECK(pl_extremum_result(&st, &f, &i, &idx) == PL_E_EMPTY, "empty");
    st.index = 7;
    CHECK(pl_extremum_result(&st, &f, &i, &idx) == PL_E_ARG, "an empty state with an index");
    pl_state_init(&st, PL_F64, PL_MAX, 0);
    st.value = 1;
    CHECK(pl_extremum_result(&st, &f, &i, &idx) == PL_E_ARG, "an empty state with a value");

    /* Integer data has no NaN. */
    static int64_t xi[5] = {4, -2, 9, 9, 0};
    pl_state_init(&st, PL_I64, PL_MAX, 0);
    CHECK(pl_partial(PL_I64, PL_MAX, xi, 5, 0, 5, PL_ACCURATE, 1, &st) == PL_OK, "i64 max");
    CHECK(pl_extremum_result(&st, &f, &i, &idx) == PL_OK && i == 9 && idx == 2, "i64 max result");
    st.nan = 1;
    CHECK(pl_extremum_result(&st, &f, &i, &idx) == PL_E_ARG, "a NaN flag on integer data");
}

/* The audit's case: exact dot 0, but 128-bit partial sums overflowed depending on threads. */
static void test_integer_dot_is_exact(void) {
    int64_t n = 8 * PL_BLOCK;
    int64_t *x = calloc((size_t)n, 8), *y = calloc((size_t)n, 8);
    x[0] = INT64_MIN; y[0] = INT64_MAX;
    x[7 * PL_BLOCK] = INT64_MIN; y[7 * PL_BLOCK] = INT64_MAX;
    x[3 * PL_BLOCK] = INT64_MIN; y[3 * PL_BLOCK] = INT64_MIN;
    x[4 * PL_BLOCK] = INT64_MIN; y[4 * PL_BLOCK] = INT64_MIN;
    x[7 * PL_BLOCK + 1] = -(INT64_C(1) << 32); y[7 * PL_BLOCK + 1] = INT64_C(1) << 32;
    for (int t = 1; t <= 8; t++) {
        double f;
        int64_t d = -1;
        CHECK(pl_dot(PL_I64, x, y, n, PL_ACCURATE, t, &f, &d) == PL_OK && d == 0,
              "dot of the audit case on %d threads: %lld", t, (long long)d);
    }
    int64_t a[5] = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, -(INT64_C(1) << 32)};
    int64_t b[5] = {INT64_MIN, INT64_MIN, INT64_MAX, INT64_MAX, INT64_C(1) << 32};
    double f;
    int64_t d = -1;
    CHECK(pl_dot(PL_I64, a, b, 5, PL_ACCURATE, 1, &f, &d) == PL_OK && d == 0, "short case: %lld", (long long)d);
    int64_t big[2] = {INT64_MAX, 2};
    CHECK(pl_dot(PL_I64, big, big, 2, PL_ACCURATE, 1, &f, &d) == PL_E_OVERFLOW, "a real overflow");
    free(x);
    free(y);
}

static void test_integer_variance_is_exact(void) {
    int64_t x[3] = {INT64_C(1) << 60, (INT64_C(1) << 60) + 1, (INT64_C(1) << 60) + 2};
    double v;
    CHECK(pl_variance(PL_I64, x, 3, 0, PL_ACCURATE, 1, &v) == PL_OK && v == 2.0 / 3.0,
          "var(2^60 + [0, 1, 2]) = 2/3, got %a", v);
    CHECK(pl_variance(PL_I64, x, 3, 1, PL_ACCURATE, 1, &v) == PL_OK && v == 1.0, "sample var 1");
    int64_t y[4] = {INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN};
    /* mean -1/2; deviations +-(2^63 - 1/2); var = (2^63 - 1/2)^2 = 2^126 - 2^63 + 1/4, which
     * rounds once to 2^126 (doubles just below 2^126 are 2^72 apart) */
    CHECK(pl_variance(PL_I64, y, 4, 0, PL_ACCURATE, 1, &v) == PL_OK && v == ldexp(1, 126),
          "extreme int64 variance %a", v);
    int32_t z[5] = {7, 7, 7, 7, 7};
    CHECK(pl_variance(PL_I32, z, 5, 0, PL_ACCURATE, 1, &v) == PL_OK && v == 0.0 && !signbit(v), "constant");
}

/* Slices of any length have the bits of pl_reduce over the slice. */
static void test_slices_match_the_whole_kernel(void) {
    int64_t n = 70001;
    double *x = malloc((size_t)n * 8);
    for (int64_t i = 0; i < n; i++) x[i] = (i % 2 ? -1 : 1) * pow(10.0, (double)(i % 13) - 6) + uniform();
    x[1234] = NAN;                      /* a NaN in one slice */
    x[40000] = x[40001] = DBL_MAX;      /* a lane that overflows, and an exact sum that does not */
    x[40002] = -DBL_MAX;
    const int64_t ks[] = {3, 8, 64, 100, 1000, 4096, 4097, 5000, 12289, 70001};
    double out[70001 / 3 + 2];
    for (size_t s = 0; s < sizeof ks / sizeof *ks; s++) {
        int64_t k = ks[s], m = n / k + (n % k != 0);
        for (int op = PL_SUM; op <= PL_MAX; op++) {
            CHECK(pl_slice_reduce(PL_F64, op, x, n, k, out, 2) == PL_OK, "slices");
            for (int64_t j = 0; j < m; j++) {
                int64_t a = j * k, len = a + k < n ? k : n - a;
                double want;
                int64_t unused;
                pl_reduce(PL_F64, op, x + a, len, PL_ACCURATE, 1, &want, &unused);
                CHECK(same_bits(out[j], want), "k=%lld op=%d slice %lld", (long long)k, op, (long long)j);
            }
        }
    }
    int64_t off[4] = {0, 9000, 9001, 30000};
    CHECK(pl_reduceat(PL_F64, PL_SUM, x, n, off, 4, out, 2) == PL_OK, "reduceat");
    for (int j = 0; j < 4; j++) {
        int64_t a = off[j], b = j + 1 < 4 ? off[j + 1] : n;
        double want;
        int64_t unused;
        pl_reduce(PL_F64, PL_SUM, x + a, b - a, PL_ACCURATE, 1, &want, &unused);
        CHECK(same_bits(out[j], want), "reduceat slice %d", j);
    }
    free(x);
}

static void test_extremum_index(void) {
    int64_t n = 5 * PL_BLOCK + 3;
    double *x = malloc((size_t)n * 8);
    for (int64_t i = 0; i < n; i++) x[i] = (double)(i % 1000);
    x[2 * PL_BLOCK + 5] = -1;
    x[4 * PL_BLOCK + 7] = -1;
    for (int t = 1; t <= 5; t++) {
        pl_extremum st;
        pl_state_init(&st, PL_F64, PL_MIN, 0);
        pl_partial(PL_F64, PL_MIN, x, n, 0, n, PL_ACCURATE, t, &st);
        double f;
        int64_t i, idx;
        CHECK(pl_extremum_result(&st, &f, &i, &idx) == PL_OK && f == -1 && idx == 2 * PL_BLOCK + 5,
              "first index of the min on %d threads: %lld", t, (long long)idx);
        pl_state_init(&st, PL_F64, PL_MAX, 0);
        pl_partial(PL_F64, PL_MAX, x, n, 0, n, PL_ACCURATE, t, &st);
        CHECK(pl_extremum_result(&st, &f, &i, &idx) == PL_OK && f == 999 && idx == 999, "first max");
    }
    x[3 * PL_BLOCK + 1] = NAN;
    x[4 * PL_BLOCK] = NAN;
    pl_extremum st;
    pl_state_init(&st, PL_F64, PL_MAX, 0);
    pl_partial(PL_F64, PL_MAX, x, n, 0, n, PL_ACCURATE, 3, &st);
    double f;
    int64_t i, idx;
    CHECK(pl_extremum_result(&st, &f, &i, &idx) == PL_OK && isnan(f) && idx == 3 * PL_BLOCK + 1, "first NaN");
    free(x);
}

/* Min and max against a plain reference loop, at every SIMD level: random lengths (inside a
 * vector, a block, or several), values drawn from a few so that ties are common, zeros of
 * both signs, infinities and now and then a NaN, at any position (in each of the kernel's
 * running vectors and in the tail). The value is the extreme (the first NaN when there is one;
 * a zero extreme is -0 for a min and +0 for a max when such a zero is present) and the index the
 * first element equal to it. */
static void test_extremum_against_a_loop(void) {
    const int64_t most = 3 * PL_BLOCK + 100;
    double *x = malloc((size_t)most * sizeof(double));
    float *xf = malloc((size_t)most * sizeof(float));
    const double pool[] = {-3, -2.5, -1, -0.0, 0.0, 1, 2, 7, INFINITY, -INFINITY};
    int top = pl_cpu_level();
    for (int c = 0; c < 4000; c++) {
        int64_t n = 1 + (int64_t)(next_u64() % (uint64_t)(c % 3 == 0 ? 200 : most));
        int dtype = c % 3 == 2 ? PL_F32 : PL_F64, op = c % 2 ? PL_MIN : PL_MAX;
        int values = 2 + (int)(next_u64() % 9);
        for (int64_t i = 0; i < n; i++) x[i] = pool[next_u64() % (uint64_t)values];
        if (next_u64() % 4 == 0) x[next_u64() % (uint64_t)n] = NAN;
        if (next_u64() % 3 == 0) x[next_u64() % (uint64_t)n] = op == PL_MIN ? -9 : 9; /* a lone extreme */
        for (int64_t i = 0; i < n; i++) xf[i] = (float)x[i];
        /* the reference */
        int64_t want_at = -1, first_nan = -1;
        double want = 0;
        for (int64_t i = 0; i < n && first_nan < 0; i++) {
            if (isnan(x[i])) first_nan = i;
            else if (want_at < 0 || (op == PL_MIN ? x[i] < want : x[i] > want)) {
                want = x[i];
                want_at = i;
            }
        }
        if (first_nan >= 0) {
            want = NAN;
            want_at = first_nan;
        } else if (want == 0) {
            for (int64_t i = 0; i < n; i++)
                if (x[i] == 0 && (signbit(x[i]) != 0) == (op == PL_MIN)) want = x[i];
        }
        const void *data = dtype == PL_F64 ? (const void *)x : (const void *)xf;
        pl_set_level(c % (top + 1));
        pl_extremum st;
        double got, f;
        int64_t unused, idx;
        CHECK(pl_reduce(dtype, op, data, n, PL_ACCURATE, 1 + c % 2, &got, &unused) == PL_OK, "reduce");
        CHECK(pl_state_init(&st, dtype, op, 0) == PL_OK, "init");
        CHECK(pl_partial(dtype, op, data, n, 0, n, PL_ACCURATE, 1 + c % 2, &st) == PL_OK, "partial");
        CHECK(pl_extremum_result(&st, &f, &unused, &idx) == PL_OK, "result");
        int same = isnan(want) ? isnan(got) && isnan(f) : same_bits(got, want) && same_bits(f, want);
        CHECK(same && idx == want_at, "case %d (n %lld, dtype %d, %s, level %d): %g (state %g) at %lld, want %g at %lld", c,
              (long long)n, dtype, op == PL_MIN ? "min" : "max", c % (top + 1), got, f, (long long)idx, want, (long long)want_at);
    }
    pl_set_level(top);
    free(x);
    free(xf);
}

/* Ranges accumulated into one state out of order (the later first): ties and NaNs keep the
 * lowest index, on one thread as on a team. */
static void test_extremum_ranges_in_any_order(void) {
    int64_t n = 3 * PL_BLOCK, cut = 2 * PL_BLOCK;
    double *x = malloc((size_t)n * 8);
    int64_t *xi = malloc((size_t)n * 8);
    for (int64_t i = 0; i < n; i++) {
        x[i] = 1.0;
        xi[i] = 7;
    }
    double f;
    int64_t v, idx;
    for (int t = 1; t <= 3; t++) {
        for (int op = PL_MIN; op <= PL_MAX; op++) {
            pl_extremum st;
            pl_state_init(&st, PL_F64, op, 0);
            pl_partial(PL_F64, op, x, n, cut, n, PL_ACCURATE, t, &st);
            pl_partial(PL_F64, op, x, n, 0, cut, PL_ACCURATE, t, &st);
            CHECK(pl_extremum_result(&st, &f, &v, &idx) == PL_OK && f == 1.0 && idx == 0,
                  "f64 op %d, later range first, %d threads: index %lld", op, t, (long long)idx);
            pl_state_init(&st, PL_I64, op, 0);
            pl_partial(PL_I64, op, xi, n, cut, n, PL_ACCURATE, t, &st);
            pl_partial(PL_I64, op, xi, n, 0, cut, PL_ACCURATE, t, &st);
            CHECK(pl_extremum_result(&st, &f, &v, &idx) == PL_OK && v == 7 && idx == 0,
                  "i64 op %d, later range first, %d threads: index %lld", op, t, (long long)idx);
        }
        x[cut + 5] = NAN;
        x[10] = NAN;
        pl_extremum st;
        pl_state_init(&st, PL_F64, PL_MIN, 0);
        pl_partial(PL_F64, PL_MIN, x, n, cut, n, PL_ACCURATE, t, &st);
        pl_partial(PL_F64, PL_MIN, x, n, 0, cut, PL_ACCURATE, t, &st);
        CHECK(pl_extremum_result(&st, &f, &v, &idx) == PL_OK && isnan(f) && idx == 10,
              "the first NaN, later range first, %d threads: index %lld", t, (long long)idx);
        x[cut + 5] = x[10] = 1.0;
    }
    free(x);
    free(xi);
}

/* Flips one element between a new extreme and an ordinary value, for ever (till stop). */
typedef struct flipper {
    int64_t *word;
    int64_t a, b;
    volatile int stop;
} flipper;

static void *flip(void *arg) {
    flipper *f = arg;
    while (!f->stop) {
        __atomic_store_n(f->word, f->a, __ATOMIC_RELAXED);
        __atomic_store_n(f->word, f->b, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* An element written while min/max run (another process writing a mapped array): the extreme a
 * block's first pass saw may be gone when it looks for its index. The index stays inside the
 * range (it ran past the block and the array before: a crash, or ASan's report). */
static void test_extremum_survives_a_block_written_meanwhile(void) {
    int64_t n = PL_BLOCK;
    const int dtypes[] = {PL_F64, PL_I64};
    for (int d = 0; d < 2; d++) {
        int dtype = dtypes[d];
        int64_t *x = malloc((size_t)n * 8); /* exactly the array: one element past it is ASan's */
        double one = 1.0, low = -1e300, nan = NAN;
        for (int64_t i = 0; i < n; i++) {
            if (dtype == PL_F64) memcpy(&x[i], &one, 8);
            else x[i] = 1;
        }
        flipper fl = {&x[n - 1], 0, 0, 0};
        if (dtype == PL_F64) {
            memcpy(&fl.a, &low, 8);
            memcpy(&fl.b, &one, 8);
        } else {
            fl.a = -5;
            fl.b = 1;
        }
        pthread_t th;
        pthread_create(&th, NULL, flip, &fl);
        int bad = 0;
        for (int round = 0; round < 20000; round++) {
            if (dtype == PL_F64 && round == 10000) { /* then a NaN that comes and goes */
                memcpy(&fl.a, &nan, 8);
            }
            pl_extremum st;
            pl_state_init(&st, dtype, PL_MIN, 0);
            double f;
            int64_t v, idx;
            if (pl_partial(dtype, PL_MIN, x, n, 0, n, PL_ACCURATE, 1, &st) != PL_OK ||
                pl_extremum_result(&st, &f, &v, &idx) != PL_OK || idx < 0 || idx >= n)
                bad++;
        }
        fl.stop = 1;
        pthread_join(th, NULL);
        CHECK(bad == 0, "dtype %d: min under a racing writer: %d calls with no result or an index outside the array", dtype, bad);
        free(x);
    }
}

/* A thread count no machine has is clamped, not passed to OpenMP (libgomp aborts when it cannot
 * create the threads). */
static void test_huge_thread_counts_are_clamped(void) {
    int64_t n = 1 << 20;
    double *x = calloc((size_t)n, 8), r = -1;
    int64_t i;
    CHECK(pl_reduce(PL_F64, PL_SUM, x, n, PL_ACCURATE, 100000, &r, &i) == PL_OK && r == 0, "100000 threads");
    CHECK(pl_probe_read(x, n, 100000, &r) == PL_OK, "probe with 100000 threads");
    CHECK(pl_fill(PL_F64, x, 1.0, 0, n, 100000) == PL_OK && x[n - 1] == 1.0, "fill with 100000 threads");
    free(x);
}

/* Offsets written by another thread while reduceat runs: every offset is checked as it is used,
 * so the call returns PL_OK or PL_E_INDEX and never reads outside x. */
typedef struct scribbler {
    int64_t *offsets;
    int64_t m;
    volatile int stop;
} scribbler;

static void *scribble(void *arg) {
    scribbler *s = arg;
    uint64_t r = 12345;
    while (!s->stop) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        __atomic_store_n(&s->offsets[r % (uint64_t)s->m], (int64_t)(r >> 1) - (INT64_C(1) << 61), __ATOMIC_RELAXED);
        __atomic_store_n(&s->offsets[(r >> 7) % (uint64_t)s->m], (int64_t)((r >> 20) % 1000), __ATOMIC_RELAXED);
    }
    return NULL;
}

static void test_reduceat_survives_offsets_written_meanwhile(void) {
    int64_t n = 1000, m = 4000;
    double *x = calloc((size_t)n, 8), *out = calloc((size_t)m, 8);
    int64_t *off = calloc((size_t)m, 8);
    scribbler s = {off, m, 0};
    pthread_t th;
    pthread_create(&th, NULL, scribble, &s);
    int bad = 0;
    for (int round = 0; round < 2000; round++) {
        for (int64_t j = 0; j < m; j++) __atomic_store_n(&off[j], j % n, __ATOMIC_RELAXED);
        int st = pl_reduceat(PL_F64, PL_SUM, x, n, off, m, out, 2);
        if (st != PL_OK && st != PL_E_INDEX) bad++;
    }
    s.stop = 1;
    pthread_join(th, NULL);
    CHECK(bad == 0, "reduceat under racing writes returns PL_OK or PL_E_INDEX (%d others)", bad);
    /* out being the offsets themselves (a user error Java refuses) is memory-safe too */
    int64_t *alias = calloc(16, 8);
    for (int j = 0; j < 16; j++) alias[j] = j;
    int st = pl_reduceat(PL_I64, PL_SUM, alias, 16, alias, 16, alias, 1);
    CHECK(st == PL_OK || st == PL_E_INDEX, "out aliasing offsets: %d", st);
    free(alias);
    free(x);
    free(out);
    free(off);
}

/* A double of random sign, random 53-bit significand and exponent in [lo, hi] (clamped to the
 * doubles: subnormals below -1022). */
static double random_double(int lo, int hi) {
    int e = lo + (int)(next_u64() % (uint64_t)(hi - lo + 1));
    double m = (double)((next_u64() >> 11) | (1ULL << 52)) * 0x1p-52; /* [1, 2) */
    double v = ldexp(m, e);
    return (next_u64() & 1) ? -v : v;
}

/* One value for a block, from one of several shapes: any magnitude, one decade, a value that
 * cancels an earlier one, half an ulp of an earlier one (a tie for round to even), a subnormal,
 * or one near overflow. */
static double block_value(const double *earlier, int k) {
    double prev = k ? earlier[next_u64() % (uint64_t)k] : 1.0;
    switch (next_u64() % 7) {
    case 0: return random_double(-1074, 1023);
    case 1: return random_double(-3, 3);
    case 2: return -prev;
    case 3: return ldexp(prev, -53) * ((next_u64() & 1) ? 1 : -1);
    case 4: return ldexp(prev, -54 - (int)(next_u64() % 60));
    case 5: return random_double(-1074, -1023);
    default: return random_double(1020, 1023);
    }
}

/* Sums of 2 to 32 blocks (one thread) no longer use the accumulator: their block partials are
 * summed exactly by a short list of partials and rounded once. Each block here holds one value,
 * so the partials are chosen outright (ties, cancellations, subnormals, overflow), and the sum
 * and mean must have the bits of the accumulator's (pl_partial, then pl_acc_round and
 * pl_acc_mean), in both modes, f64 and f32, at every SIMD level. */
static void test_few_blocks_round_as_the_accumulator(void) {
    const int64_t most = 32 * 4096;
    double *x = calloc((size_t)most + 64, sizeof(double));
    float *xf = calloc((size_t)most + 64, sizeof(float));
    int top = pl_cpu_level(), cases = 0, fast_paths = 0;
    for (int c = 0; c < 40000; c++) {
        int blocks = 2 + (int)(next_u64() % 31);
        int64_t n = blocks * (int64_t)4096 - (next_u64() % 3 == 0 ? (int64_t)(next_u64() % 4095) : 0);
        int dtype = c % 4 == 3 ? PL_F32 : PL_F64, mode = c % 2 ? PL_FAST : PL_ACCURATE;
        double vals[32];
        int64_t at[32];
        for (int k = 0; k < blocks; k++) {
            double v = block_value(vals, k);
            if (dtype == PL_F32) v = (double)(float)v; /* may overflow to inf or flush: both fine */
            vals[k] = v;
            int64_t len = (k + 1) * (int64_t)4096 <= n ? 4096 : n - k * (int64_t)4096;
            at[k] = k * (int64_t)4096 + (int64_t)(next_u64() % (uint64_t)len);
            if (dtype == PL_F64) x[at[k]] = v;
            else xf[at[k]] = (float)v;
        }
        const void *data = dtype == PL_F64 ? (const void *)x : (const void *)xf;
        pl_set_level(c % (top + 1));
        double got = 0, want = 0, got_mean = 0, want_mean = 0;
        int64_t unused = 0;
        pl_acc acc;
        CHECK(pl_reduce(dtype, PL_SUM, data, n, mode, 1, &got, &unused) == PL_OK, "sum");
        CHECK(pl_reduce(dtype, PL_MEAN, data, n, mode, 1, &got_mean, &unused) == PL_OK, "mean");
        CHECK(pl_state_init(&acc, dtype, PL_SUM, 0) == PL_OK, "init");
        CHECK(pl_partial(dtype, PL_SUM, data, n, 0, n, mode, 1, &acc) == PL_OK, "partial");
        pl_acc_round(&acc, &want);
        pl_acc_mean(&acc, n, &want_mean);
        CHECK(same_bits(got, want) || (isnan(got) && isnan(want)), "case %d (%d blocks, dtype %d, mode %d): sum %a, accumulator %a",
              c, blocks, dtype, mode, got, want);
        CHECK(same_bits(got_mean, want_mean) || (isnan(got_mean) && isnan(want_mean)),
              "case %d: mean %a, accumulator %a", c, got_mean, want_mean);
        fast_paths += isfinite(want) && fabs(want) < DBL_MAX;
        cases++;
        for (int k = 0; k < blocks; k++) {
            x[at[k]] = 0;
            xf[at[k]] = 0;
        }
    }
    pl_set_level(top);
    CHECK(fast_paths > cases / 2, "most cases stay finite (%d of %d)", fast_paths, cases);
    free(x);
    free(xf);
}

/* Dots of up to 32 blocks skip the accumulator as sums do: the blocks' partials summed exactly by
 * a short list of partials (one block: its hi and lo), on the team when the call is large enough
 * for one. They must keep the accumulator's bits (pl_partial_dot, then pl_acc_round), in both
 * modes, f64 and f32, at every SIMD level, on 1 and 2 threads: blocks whose value is chosen
 * outright (x holds one value, y ones), blocks of random products (partials with a low part), and
 * blocks with a tiny product or an overflowing one, which take their exact products. */
static void test_few_block_dots_round_as_the_accumulator(void) {
    const int64_t most = 32 * 4096;
    double *x = calloc((size_t)most, sizeof(double)), *y = calloc((size_t)most, sizeof(double));
    float *xf = calloc((size_t)most, sizeof(float)), *yf = calloc((size_t)most, sizeof(float));
    int top = pl_cpu_level(), cases = 0, short_ways = 0;
    for (int c = 0; c < 6000; c++) {
        int blocks = 1 + (int)(next_u64() % 32);
        int64_t n = blocks * (int64_t)4096 - (next_u64() % 3 == 0 ? (int64_t)(next_u64() % 4096) : 0);
        if (blocks == 1 && next_u64() % 2) n = (int64_t)(next_u64() % 300); /* small calls, empty included */
        int dtype = c % 4 == 3 ? PL_F32 : PL_F64, mode = c % 2 ? PL_FAST : PL_ACCURATE;
        int shape = (int)(next_u64() % 4); /* 0, 1: one value a block; 2: random products; 3: tiny or huge */
        double vals[32];
        for (int64_t i = 0; i < n; i++) {
            double u = 0, v = 1;
            if (shape == 2 || shape == 3) {
                u = random_double(-30, 30);
                v = random_double(-30, 30);
            }
            if (dtype == PL_F64) {
                x[i] = u;
                y[i] = v;
            } else {
                xf[i] = (float)u;
                yf[i] = (float)v;
            }
        }
        for (int k = 0; k < blocks && shape < 2 && n > 0; k++) {
            double v = block_value(vals, k);
            if (dtype == PL_F32) v = (double)(float)v;
            vals[k] = v;
            int64_t len = (k + 1) * (int64_t)4096 <= n ? 4096 : n - k * (int64_t)4096;
            if (len <= 0) break;
            int64_t at = k * (int64_t)4096 + (int64_t)(next_u64() % (uint64_t)len);
            if (dtype == PL_F64) x[at] = v;
            else xf[at] = (float)v;
        }
        if (shape == 3 && n > 0) { /* a tiny product (exact path in accurate f64) or one past DBL_MAX */
            int64_t at = (int64_t)(next_u64() % (uint64_t)n);
            double u = next_u64() % 2 ? 0x1p-520 : 0x1p600, v = next_u64() % 2 ? 0x1p-500 : 0x1p500;
            if (dtype == PL_F64) {
                x[at] = u;
                y[at] = v;
            } else {
                xf[at] = (float)u;
                yf[at] = (float)v;
            }
        }
        const void *dx = dtype == PL_F64 ? (const void *)x : (const void *)xf;
        const void *dy = dtype == PL_F64 ? (const void *)y : (const void *)yf;
        pl_set_level(c % (top + 1));
        int threads = 1 + c % 3 / 2;
        double got = 0, want = 0;
        int64_t unused = 0;
        pl_acc acc;
        CHECK(pl_dot(dtype, dx, dy, n, mode, threads, &got, &unused) == PL_OK, "dot");
        CHECK(pl_state_init(&acc, dtype, PL_DOT, 0) == PL_OK, "init");
        CHECK(pl_partial_dot(dtype, dx, dy, n, 0, n, mode, 1, &acc) == PL_OK, "partial");
        pl_acc_round(&acc, &want);
        CHECK(same_bits(got, want) || (isnan(got) && isnan(want)),
              "dot case %d (n %lld, shape %d, dtype %d, mode %d, %d threads): %a, accumulator %a", c, (long long)n, shape,
              dtype, mode, threads, got, want);
        short_ways += isfinite(want) && fabs(want) < DBL_MAX;
        cases++;
    }
    pl_set_level(top);
    CHECK(short_ways > cases / 2, "most cases stay finite (%d of %d)", short_ways, cases);
    free(x);
    free(y);
    free(xf);
    free(yf);
}

/* pl_reduceat's float sums and means go two slices at a time, their lanes interleaved: every
 * slice must keep the bits of pl_reduce on that slice alone, at every SIMD level, on 1 and 2
 * threads, for ragged lengths (1 to a few blocks, non-increasing pairs included), f64 and f32,
 * and slices whose lanes overflow or hold an infinity or a NaN (their exact path). */
static void test_reduceat_pairs_match_single_slices(void) {
    const int64_t n = 40000;
    double *x = malloc((size_t)n * sizeof(double)), *out = malloc((size_t)n * sizeof(double));
    float *xf = malloc((size_t)n * sizeof(float));
    int64_t *off = malloc((size_t)n * sizeof(int64_t));
    int top = pl_cpu_level();
    for (int c = 0; c < 300; c++) {
        int dtype = c % 3 == 2 ? PL_F32 : PL_F64, op = c % 2 ? PL_MEAN : PL_SUM;
        for (int64_t i = 0; i < n; i++) {
            double v = random_double(-20, 20);
            if (next_u64() % 500 == 0) v = next_u64() % 2 ? 0x1.fffffffffffffp1023 : (double)INFINITY;
            if (next_u64() % 3000 == 0) v = (double)NAN;
            x[i] = v;
            xf[i] = (float)v;
        }
        int64_t m = 0;
        for (int64_t p = 0; p < n && m < n;) {
            off[m++] = p;
            int64_t len = next_u64() % 10 == 0 ? 1 + (int64_t)(next_u64() % 9000) : 1 + (int64_t)(next_u64() % 130);
            if (next_u64() % 20 == 0 && p > 3) len = -(int64_t)(next_u64() % 3); /* a non-increasing pair */
            p += len;
        }
        const void *data = dtype == PL_F64 ? (const void *)x : (const void *)xf;
        pl_set_level(c % (top + 1));
        CHECK(pl_reduceat(dtype, op, data, n, off, m, out, 1 + c % 2) == PL_OK, "reduceat case %d", c);
        for (int64_t j = 0; j < m; j++) {
            int64_t a = off[j], b = j + 1 < m ? off[j + 1] : n;
            if (b <= a) b = a + 1;
            double want = 0;
            int64_t unused;
            const void *start = (const char *)data + a * (dtype == PL_F64 ? 8 : 4);
            CHECK(pl_reduce(dtype, op, start, b - a, PL_ACCURATE, 1, &want, &unused) == PL_OK, "reduce");
            if (!(same_bits(out[j], want) || (isnan(out[j]) && isnan(want)))) {
                CHECK(0, "reduceat case %d (dtype %d, op %d), slice %lld [%lld, %lld): %a, alone %a", c, dtype, op, (long long)j,
                      (long long)a, (long long)b, out[j], want);
                break;
            }
        }
    }
    pl_set_level(top);
    free(x);
    free(xf);
    free(out);
    free(off);
}

/* The float variance's centre is the accurate mean of its sample: elements floor((2k + 1) n / 2048)
 * of 1024 past a block, the whole array up to one; checked on x[i] = i, where that mean is the
 * integer sum of the indices over 1024, exact, rounded once. */
static void test_variance_sample(void) {
    const int64_t sizes[] = {1, 7, 4096, 4097, 32768, 1000003};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int64_t n = sizes[s], m = n <= PL_BLOCK ? n : PL_VARIANCE_SAMPLE, sum = 0;
        double *x = malloc((size_t)n * sizeof *x);
        float *y = malloc((size_t)n * sizeof *y);
        for (int64_t i = 0; i < n; i++) x[i] = y[i] = (float)i;
        for (int64_t k = 0; k < m; k++) sum += n <= PL_BLOCK ? k : (2 * k + 1) * n / (2 * PL_VARIANCE_SAMPLE);
        double c = 0, cf = 0, want = (double)sum / (double)m;
        CHECK(pl_variance_center(PL_F64, x, n, &c) == PL_OK && same_bits(c, want), "centre of %lld: %a vs %a", (long long)n, c, want);
        if (n < (1 << 24)) /* floats hold every index exactly */
            CHECK(pl_variance_center(PL_F32, y, n, &cf) == PL_OK && same_bits(cf, want), "f32 centre of %lld", (long long)n);
        free(x);
        free(y);
    }
    double c = 0;
    int64_t one = 1;
    CHECK(pl_variance_center(PL_F64, NULL, 0, &c) == PL_OK && isnan(c), "the centre of nothing is NaN");
    CHECK(pl_variance_center(PL_I64, &one, 1, &c) == PL_E_ARG, "integers have no centre");
    CHECK(pl_variance_center(PL_F64, &one, 1, NULL) == PL_E_ARG, "no out-parameter");
}

/* A sample that misleads: every sampled element of 32768 is 1e6, every other one 0, so the
 * centre is 1e6 where the mean is 31250. The first pass asks for a second around exactly 31250
 * (D = -3.1744e10, D/n exact), whose every deviation and square is exact: the variance is
 * 1e12 * 31 / 1024 exactly, at every SIMD level, thread count and partition. Sorted data
 * (x[i] = i) is centred well by its sample and takes one pass. */
static void test_variance_recentres_when_the_sample_misleads(void) {
    const int64_t n = 32768;
    double *x = malloc((size_t)n * sizeof *x);
    for (int64_t i = 0; i < n; i++) x[i] = i % 32 == 16 ? 1e6 : 0;
    double c = 0, next = 0, v = 0;
    CHECK(pl_variance_center(PL_F64, x, n, &c) == PL_OK && c == 1e6, "the sample holds only 1e6: %a", c);
    pl_centered st;
    pl_state_init(&st, PL_F64, PL_VAR, c);
    CHECK(pl_partial(PL_F64, PL_VAR, x, n, 0, n, PL_ACCURATE, 2, &st) == PL_OK, "first pass");
    CHECK(pl_variance_recenter(&st, &next) == PL_OK && next == 31250, "second pass around the mean: %a", next);
    pl_state_init(&st, PL_F64, PL_VAR, next);
    CHECK(pl_partial(PL_F64, PL_VAR, x, n, 0, n, PL_ACCURATE, 2, &st) == PL_OK, "second pass");
    CHECK(pl_variance_recenter(&st, &next) == PL_OK && isnan(next), "centred now");
    CHECK(pl_variance_result(PL_STATE_CENTERED, &st, 0, &v) == PL_OK && v == 1e12 * 31 / 1024, "from the state: %a", v);
    int top = pl_cpu_level();
    for (int level = 0; level <= top; level++) {
        pl_set_level(level);
        for (int mode = PL_ACCURATE; mode <= PL_FAST; mode++)
            for (int threads = 1; threads <= 3; threads++) {
                v = 0;
                CHECK(pl_variance(PL_F64, x, n, 0, mode, threads, &v) == PL_OK && v == 1e12 * 31 / 1024,
                      "level %d mode %d threads %d: %a", level, mode, threads, v);
            }
    }
    pl_set_level(top);
    for (int64_t i = 0; i < n; i++) x[i] = (double)i;
    CHECK(pl_variance_center(PL_F64, x, n, &c) == PL_OK, "sorted centre");
    pl_state_init(&st, PL_F64, PL_VAR, c);
    CHECK(pl_partial(PL_F64, PL_VAR, x, n, 0, n, PL_ACCURATE, 2, &st) == PL_OK, "sorted pass");
    CHECK(pl_variance_recenter(&st, &next) == PL_OK && isnan(next), "sorted data takes one pass: %a from %a", next, c);
    pl_variance_result(PL_STATE_CENTERED, &st, 0, &v);
    double want = ((double)n * (double)n - 1) / 12; /* exact: n^2 - 1 < 2^53 */
    CHECK(fabs(v - want) <= 0x1p-48 * want, "arange variance %a vs %a", v, want);
    CHECK(pl_variance_recenter(NULL, &next) == PL_E_ARG && pl_variance_recenter(&st, NULL) == PL_E_ARG, "null");
    free(x);
}

/* The state path of a float variance, as the Java API's partial states give it: centre, pass,
 * recentre when asked, pass again, finish. */
static double variance_by_state(int dtype, const void *x, int64_t n, int ddof, int mode) {
    double c = 0, next = 0, v = 0;
    pl_centered st;
    CHECK(pl_variance_center(dtype, x, n, &c) == PL_OK, "centre");
    pl_state_init(&st, dtype, PL_VAR, c);
    CHECK(pl_partial(dtype, PL_VAR, x, n, 0, n, mode, 1, &st) == PL_OK, "pass");
    CHECK(pl_variance_recenter(&st, &next) == PL_OK, "recentre");
    if (next == next) {
        pl_state_init(&st, dtype, PL_VAR, next);
        CHECK(pl_partial(dtype, PL_VAR, x, n, 0, n, mode, 1, &st) == PL_OK, "second pass");
    }
    CHECK(pl_variance_result(PL_STATE_CENTERED, &st, ddof, &v) == PL_OK, "finish");
    return v;
}

/* Float variances of up to 32 blocks on one thread skip the two accumulators of the centred
 * state (their sums rounded from the blocks' partials): they must keep the state path's bits,
 * in both modes, f64 and f32, at every SIMD level, for data whose mean lies near or far from
 * the sample's centre (a second pass), huge values (scaled sums: the state path), values with
 * an infinity or a NaN, constant data and tiny deviations. */
static void test_few_block_variances_match_the_state(void) {
    const int64_t most = 32 * 4096 + 5;
    double *x = malloc((size_t)most * sizeof(double));
    float *xf = malloc((size_t)most * sizeof(float));
    int top = pl_cpu_level(), short_way = 0, cases = 600;
    for (int c = 0; c < cases; c++) {
        int64_t n = c % 4 == 0 ? 1 + (int64_t)(next_u64() % 300) : 1 + (int64_t)(next_u64() % (uint64_t)most);
        int dtype = c % 3 == 2 ? PL_F32 : PL_F64, mode = c % 2 ? PL_FAST : PL_ACCURATE, ddof = (int)(next_u64() % 2);
        int shape = (int)(next_u64() % 9);
        if (shape == 7) n = 1 + (int64_t)(next_u64() % 3000); /* deviations near 2^505: sums the finish scales */
        if (shape == 8) n = 4097 + (int64_t)(next_u64() % 20000); /* 2^500 around a sampled 0: D past 2^511 */
        double base = random_double(-10, 30);
        for (int64_t i = 0; i < n; i++) {
            double v;
            switch (shape) {
            case 0: v = base + random_double(-5, 5); break;                            /* near the centre */
            case 1: v = i % 32 == 16 ? base * 1e6 : base; break;                       /* a misleading sample */
            case 2: v = random_double(900, 1020); break;                               /* huge: scaled sums */
            case 3: v = base; break;                                                   /* constant */
            case 4: v = base + ldexp(random_double(0, 1), -60) * (double)(i % 7); break; /* tiny deviations */
            case 6: v = base + random_double(-3, 3); break; /* the sample set far away below */
            case 7: v = random_double(500, 506); break;
            case 8: v = 0x1p500; break;
            default: v = random_double(-3, 3); break;
            }
            x[i] = v;
            xf[i] = (float)v;
        }
        if ((shape == 6 || shape == 8) && n > 4096) { /* every sampled element far from the rest: a second pass */
            const int64_t S = PL_VARIANCE_SAMPLE, q = n / (2 * S), r = n % (2 * S);
            for (int64_t k = 0; k < S; k++) {
                int64_t at = (2 * k + 1) * q + ((2 * k + 1) * r >> __builtin_ctzll(2 * S));
                x[at] = shape == 8 ? 0 : base + 1e6;
                xf[at] = (float)x[at];
            }
        }
        if (c % 8 == 7) { /* an infinity or a NaN somewhere: the state's exact path */
            int64_t at = (int64_t)(next_u64() % (uint64_t)n);
            x[at] = next_u64() % 2 ? (double)INFINITY : (double)NAN;
            xf[at] = (float)x[at];
        }
        const void *data = dtype == PL_F64 ? (const void *)x : (const void *)xf;
        pl_set_level(c % (top + 1));
        double got = 0;
        CHECK(pl_variance(dtype, data, n, ddof, mode, 1, &got) == PL_OK, "variance");
        double want = n - ddof > 0 ? variance_by_state(dtype, data, n, ddof, mode) : (double)NAN;
        CHECK(same_bits(got, want) || (isnan(got) && isnan(want)), "variance case %d (n %lld, shape %d, dtype %d, mode %d, ddof %d): %a, state %a",
              c, (long long)n, shape, dtype, mode, ddof, got, want);
        short_way += isfinite(want);
    }
    pl_set_level(top);
    CHECK(short_way > cases / 2, "most cases are finite (%d of %d)", short_way, cases);
    free(x);
    free(xf);
}

int main(void) {
    pl_set_region_cost(0); /* every team size the tests ask for, whatever regions cost here */
    test_partition();
    test_partials_merge_to_the_whole();
    test_few_blocks_round_as_the_accumulator();
    test_few_block_dots_round_as_the_accumulator();
    test_alignment_is_enforced();
    test_states_keep_their_bounds();
    test_forged_extremum_states_are_refused();
    test_forged_accumulators_are_refused();
    test_integer_dot_is_exact();
    test_integer_variance_is_exact();
    test_variance_sample();
    test_variance_recentres_when_the_sample_misleads();
    test_few_block_variances_match_the_state();
    test_slices_match_the_whole_kernel();
    test_extremum_index();
    test_extremum_against_a_loop();
    test_reduceat_pairs_match_single_slices();
    test_extremum_ranges_in_any_order();
    test_extremum_survives_a_block_written_meanwhile();
    test_huge_thread_counts_are_clamped();
    test_reduceat_survives_offsets_written_meanwhile();
    printf("test_partials: %d failures\n", failures);
    return failures ? 1 : 0;
}
