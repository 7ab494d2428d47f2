/*
 * 256-bit integers (pl_wide): the state of exact integer sums and dots, and the exact integer
 * variance. Java's twin is dev.paralelo.kernel.WideInteger.
 *
 * Bounds that make 256 bits enough: at most 2^62 terms (no array is larger), each a product of
 * two int64 below 2^126 in magnitude, so every sum stays below 2^188; the variance numerator
 * n * sum(x*x) - sum(x)^2 stays below 2^251.
 */
#include "impl.h"

#include <math.h>


void pl_wide_add(pl_wide *acc, const pl_wide *v) {
    uint64_t carry = 0;
    for (int k = 0; k < PL_WIDE_WORDS; k++) {
        uint64_t a = acc->word[k], s = a + v->word[k];
        uint64_t c1 = s < a;
        uint64_t r = s + carry;
        carry = c1 | (r < s);
        acc->word[k] = r;
    }
}

void pl_wide_add192(pl_wide *acc, int64_t top, uint64_t hi, uint64_t lo) {
    pl_wide v = {{lo, hi, (uint64_t)top, top < 0 ? UINT64_MAX : 0}};
    pl_wide_add(acc, &v);
}

static int is_negative(const pl_wide *w) { return (int64_t)w->word[PL_WIDE_WORDS - 1] < 0; }

static void negate(pl_wide *w) {
    uint64_t carry = 1;
    for (int k = 0; k < PL_WIDE_WORDS; k++) {
        uint64_t r = ~w->word[k] + carry;
        carry = carry && r == 0;
        w->word[k] = r;
    }
}

/* Position of the highest set bit of a non-negative value, or -1 for zero. */
static int top_bit(const pl_wide *w) {
    for (int k = PL_WIDE_WORDS - 1; k >= 0; k--)
        if (w->word[k]) return 64 * k + 63 - __builtin_clzll(w->word[k]);
    return -1;
}

static int bit_at(const pl_wide *w, int pos) { return (int)((w->word[pos / 64] >> (pos % 64)) & 1); }

static int any_below(const pl_wide *w, int pos) {
    for (int k = 0; k < PL_WIDE_WORDS && 64 * k < pos; k++) {
        uint64_t word = w->word[k];
        if (pos < 64 * (k + 1)) word &= (UINT64_C(1) << (pos % 64)) - 1;
        if (word) return 1;
    }
    return 0;
}

int pl_wide_to_i64(const pl_wide *w, int64_t *out) {
    if (!w || !out) return PL_E_ARG;
    uint64_t ext = (int64_t)w->word[0] < 0 ? UINT64_MAX : 0;
    for (int k = 1; k < PL_WIDE_WORDS; k++)
        if (w->word[k] != ext) return PL_E_OVERFLOW;
    *out = (int64_t)w->word[0];
    return PL_OK;
}

/* m (53 significant bits at most after rounding) times 2^exp, with the sign; exp in range. */
static double compose(int neg, uint64_t m, int exp) {
    double r = ldexp((double)m, exp);
    return neg ? -r : r;
}

/* Rounds the 55-bit window `mant` (leading one at bit 54, then 52 bits, a half bit and a low
 * bit) plus a sticky flag to 53 bits, to nearest with ties to even; returns m and bumps *exp
 * when rounding carries into a new binade. */
static uint64_t round55(uint64_t mant, int sticky, int *exp) {
    uint64_t m = mant >> 2;
    int half = (int)((mant >> 1) & 1), low = (int)(mant & 1) | sticky;
    if (half && (low || (m & 1))) m++;
    if (m == (UINT64_C(1) << 53)) {
        m >>= 1;
        (*exp)++;
    }
    return m;
}

int pl_wide_to_f64(const pl_wide *w, double *out) {
    if (!w || !out) return PL_E_ARG;
    pl_wide a = *w;
    int neg = is_negative(&a);
    if (neg) negate(&a);
    int t = top_bit(&a);
    if (t < 0) {
        *out = 0.0;
        return PL_OK;
    }
    if (t < 53) {
        *out = compose(neg, a.word[0], 0); /* exact */
        return PL_OK;
    }
    /* The 55 bits from t down, then whether anything below them is set. */
    uint64_t mant = 0;
    for (int pos = t; pos > t - 55; pos--) mant = (mant << 1) | (uint64_t)(pos >= 0 ? bit_at(&a, pos) : 0);
    int exp = t - 52;
    uint64_t m = round55(mant, any_below(&a, t - 54), &exp);
    *out = compose(neg, m, exp);
    return PL_OK;
}

/* r = a * b for a non-negative 256-bit a and a 64-bit b; 0 when the product leaves 256 bits. */
static int mul_small(const pl_wide *a, uint64_t b, pl_wide *r) {
    uint64_t carry = 0;
    for (int k = 0; k < PL_WIDE_WORDS; k++) {
        pl_u128 p = (pl_u128)a->word[k] * b + carry;
        r->word[k] = (uint64_t)p;
        carry = (uint64_t)(p >> 64);
    }
    return carry == 0;
}

/* r = a * a for a < 2^128. */
static void square128(pl_u128 a, pl_wide *r) {
    uint64_t lo = (uint64_t)a, hi = (uint64_t)(a >> 64);
    pl_u128 ll = (pl_u128)lo * lo, lh = (pl_u128)lo * hi, hh = (pl_u128)hi * hi;
    /* a^2 = hh << 128 + 2 lh << 64 + ll */
    pl_wide s = {{(uint64_t)ll, (uint64_t)(ll >> 64), (uint64_t)hh, (uint64_t)(hh >> 64)}};
    pl_wide m = {{0, (uint64_t)lh, (uint64_t)(lh >> 64), 0}};
    pl_wide_add(&s, &m);
    pl_wide_add(&s, &m);
    *r = s;
}

/*
 * The variance of integers from exact moments: (n * sumsq - sum^2) / (n * (n - ddof)), the
 * numerator exact in 256 bits and the quotient rounded once by long division: bits of the
 * quotient come one at a time from the top until 55 significant bits are known, and the
 * remainder (with any numerator bits not yet brought down) is the sticky bit.
 */
int pl_moments_variance(const pl_moments *st, int ddof, double *out) {
    int64_t n = st->count;
    if (n < 0 || n > PL_MAX_COUNT) return PL_E_ARG;
    if (n - ddof <= 0) {
        *out = NAN;
        return PL_OK;
    }
    pl_wide sum = st->sum;
    if (is_negative(&sum)) negate(&sum);
    /* Beyond what 2^62 int64 terms can produce (|sum| < 2^125, sumsq < 2^188); also keeps
     * sum^2 and n * sumsq inside 256 bits. */
    if (sum.word[2] | sum.word[3] || (sum.word[1] >> 63) || is_negative(&st->sumsq) ||
        top_bit(&st->sumsq) >= 190)
        return PL_E_ARG;
    pl_wide num, sq;
    if (!mul_small(&st->sumsq, (uint64_t)n, &num)) return PL_E_ARG;
    square128((pl_u128)sum.word[1] << 64 | sum.word[0], &sq);
    negate(&sq);
    pl_wide_add(&num, &sq);
    if (is_negative(&num)) return PL_E_ARG; /* Cauchy-Schwarz: never for a real state */
    pl_u128 den = (pl_u128)(uint64_t)n * (uint64_t)(n - ddof);
    int t = top_bit(&num);
    if (t < 0) {
        *out = 0.0;
        return PL_OK;
    }
    pl_u128 r = 0;
    uint64_t mant = 0;
    int bits = 0, lead = 0, pos = t;
    for (;; pos--) {
        r = (r << 1) | (pl_u128)(pos >= 0 ? bit_at(&num, pos) : 0); /* r < den < 2^126 */
        int q = r >= den;
        if (q) r -= den;
        if (bits == 0 && !q) continue;
        if (bits == 0) lead = pos;
        mant = (mant << 1) | (uint64_t)q;
        if (++bits == 55) break;
    }
    int sticky = r != 0 || (pos > 0 && any_below(&num, pos));
    int exp = lead - 54;
    uint64_t m = round55(mant, sticky, &exp);
    *out = compose(0, m, exp + 2);
    return PL_OK;
}
