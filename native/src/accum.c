/*
 * The exact accumulator (see pl_acc in paralelo.h).
 *
 * The value is a signed integer in units of 2^-2162, held in 136 digits of 32 bits: 34 digits
 * (1,088 bits) below 2^-1074, the 68 digits that hold every double, and 34 above. A finite
 * double is m * 2^(p - 1074) with m < 2^53 and 0 <= p <= 2045: shifted into place it spans at
 * most 85 bits, i.e. three digits starting at digit (p + 1088) / 32. The exact product of two
 * finite doubles is a 106-bit integer times 2^(p + q - 2148): at least 2^-2148 and below 2^2048,
 * so five digits hold it, and 2^62 such products (or squares of differences of two doubles,
 * below 2^2050) stay below 2^2112, far from the top digit. Each addition puts less than 2^33
 * into a digit, so signed 64-bit digits can take 2^29 additions before carries must be
 * propagated; pl_acc_normalize does that and leaves every digit but the top one in [0, 2^32).
 * Nothing here rounds until pl_acc_round, which rounds once to nearest, ties to even, and so
 * is independent of the order in which terms and partials arrived.
 */
#include "impl.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define DIGIT_BITS 32
#define DIGIT_MASK 0xFFFFFFFFLL
#define NORMALIZE_EVERY (1LL << 29)
/* Bits below 2^-1074: bit b of the integer has the weight 2^(b - LOW_BITS - 1074). */
#define LOW_BITS (34 * DIGIT_BITS)

int pl_acc_init(pl_acc *acc) {
    if (!acc) return PL_E_ARG;
    memset(acc, 0, sizeof *acc);
    return PL_OK;
}

/* The lowest and highest digit that is not zero; 0 when every digit is zero. A sum touches a
 * few digits around its magnitude, so the loops below run over that window only. */
static int nonzero_span(const pl_acc *a, int *lo, int *hi) {
    const int64_t *d = a->digit;
    int l = 0, h = PL_ACC_DIGITS - 1;
    /* Four digits at a time (136 = 34 * 4), then one at a time inside the first busy group. */
    while (l < PL_ACC_DIGITS && (d[l] | d[l + 1] | d[l + 2] | d[l + 3]) == 0) l += 4;
    if (l == PL_ACC_DIGITS) return 0;
    while (d[l] == 0) l++;
    while ((d[h] | d[h - 1] | d[h - 2] | d[h - 3]) == 0) h -= 4;
    while (d[h] == 0) h--;
    *lo = l;
    *hi = h;
    return 1;
}

/* Carries propagate upwards from the lowest non-zero digit until they die out above the
 * highest one; the result is the unique form with digits 0..134 in [0, 2^32), whichever
 * digits were touched. */
void pl_acc_normalize(pl_acc *acc) {
    int lo, hi;
    acc->adds = 0;
    if (!nonzero_span(acc, &lo, &hi)) return;
    int64_t carry = 0;
    int k = lo;
    for (; k < PL_ACC_DIGITS - 1 && (k <= hi || carry != 0); k++) {
        int64_t d = acc->digit[k] + carry;
        int64_t low = d & DIGIT_MASK;
        carry = (d - low) / ((int64_t)1 << DIGIT_BITS); /* exact: d - low is a multiple */
        acc->digit[k] = low;
    }
    if (k == PL_ACC_DIGITS - 1) acc->digit[k] += carry;
}

/* Adds or subtracts the n digits d (each below 2^33) from digit k up. */
static inline void add_digits(pl_acc *acc, int k, const int64_t *d, int n, int neg) {
    for (int j = 0; j < n; j++) acc->digit[k + j] += neg ? -d[j] : d[j];
    if (++acc->adds >= NORMALIZE_EVERY) pl_acc_normalize(acc);
}

/* A finite double's significand m (< 2^53) and the position p of its unit, x = m 2^(p - 1074);
 * 0 for a zero. */
static inline uint64_t unpack(uint64_t bits, int *p) {
    int be = (int)((bits >> 52) & 0x7FF);
    uint64_t m = bits & ((1ULL << 52) - 1);
    if (be == 0) {
        be = 1; /* subnormal: same scale as the smallest normal, no hidden bit */
    } else {
        m |= 1ULL << 52;
    }
    *p = be - 1;
    return m;
}

void pl_acc_add_term(pl_acc *acc, double x) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    if (((bits >> 52) & 0x7FF) == 0x7FF) {
        /* Counted up to 2^62, as merges count (only whether a count is zero matters). */
        int64_t *count = (bits & ((1ULL << 52) - 1)) ? &acc->nan : (bits >> 63) ? &acc->neg_inf : &acc->pos_inf;
        if (*count < PL_MAX_COUNT) ++*count;
        return;
    }
    int p;
    uint64_t m = unpack(bits, &p);
    if (m == 0) return; /* a zero of either sign adds nothing */
    p += LOW_BITS;
    int r = p % DIGIT_BITS;
    uint64_t lo = (m & DIGIT_MASK) << r; /* < 2^63 */
    uint64_t hi = (m >> 32) << r;        /* < 2^52 */
    int64_t d[3] = {(int64_t)(lo & DIGIT_MASK), (int64_t)((lo >> 32) + (hi & DIGIT_MASK)),
                    (int64_t)(hi >> 32)};
    add_digits(acc, p / DIGIT_BITS, d, 3, (int)(bits >> 63));
}

/*
 * The exact product x * y. Finite factors: their significands' 106-bit product, placed at
 * 2^(p + q - 2148), which is at or above the accumulator's unit (2^-2162) and, as a term, far
 * below its top: no product of doubles is rounded, overflows or underflows here. A non-finite
 * factor gives the IEEE product's special value (inf * 0 is NaN), counted as a term is.
 */
void pl_acc_add_product_term(pl_acc *acc, double x, double y) {
    if (!isfinite(x) || !isfinite(y)) {
        pl_acc_add_term(acc, x * y);
        return;
    }
    uint64_t bx, by;
    memcpy(&bx, &x, sizeof bx);
    memcpy(&by, &y, sizeof by);
    int p, q;
    uint64_t mx = unpack(bx, &p), my = unpack(by, &q);
    if (mx == 0 || my == 0) return;
    pl_u128 m = (pl_u128)mx * my; /* < 2^106 */
    int pos = p + q + LOW_BITS - 1074, r = pos % DIGIT_BITS;
    /* The four 32-bit digits of m, each shifted by r (< 2^63), recombined into five digits. */
    uint64_t t[4];
    for (int j = 0; j < 4; j++) t[j] = (uint64_t)(m >> (32 * j) & DIGIT_MASK) << r;
    int64_t d[5];
    d[0] = (int64_t)(t[0] & DIGIT_MASK);
    for (int j = 1; j < 4; j++) d[j] = (int64_t)((t[j] & DIGIT_MASK) + (t[j - 1] >> 32));
    d[4] = (int64_t)(t[3] >> 32);
    add_digits(acc, pos / DIGIT_BITS, d, 5, (int)((bx ^ by) >> 63));
}

/* A digit grows by less than 2^33 an addition, and NORMALIZE_EVERY (2^29) additions at most
 * pass between normalisations: under 2^62, and a margin. Normalising one adds a carry below 2^31, merging
 * two adds normalised digits (below 2^32), so no sum of accepted digits overflows. The top
 * digit holds what carries past digit 134, 2^2158 and more: no finite data reaches it. */
#define DIGIT_LIMIT ((INT64_C(1) << 62) + (INT64_C(1) << 35))
#define TOP_LIMIT (INT64_C(1) << 40)

/* The addition counter and the NaN and infinity counts within what calls leave. The public
 * additions check only these (a whole check per element would cost more than the addition): an
 * accumulator from elsewhere goes through pl_acc_merge first. */
static int counters_fit(const pl_acc *a) {
    return a->adds >= 0 && a->adds < NORMALIZE_EVERY && a->nan >= 0 && a->nan <= PL_MAX_COUNT && a->pos_inf >= 0 &&
           a->pos_inf <= PL_MAX_COUNT && a->neg_inf >= 0 && a->neg_inf <= PL_MAX_COUNT;
}

int pl_acc_fits(const pl_acc *a) {
    if (!counters_fit(a)) return 0;
    int bad = 0; /* no early exit: the loop vectorises (a few ns a state) */
    for (int k = 0; k < PL_ACC_DIGITS - 1; k++) bad |= (a->digit[k] > DIGIT_LIMIT) | (a->digit[k] < -DIGIT_LIMIT);
    if (bad) return 0;
    int64_t top = a->digit[PL_ACC_DIGITS - 1];
    return top <= TOP_LIMIT && top >= -TOP_LIMIT;
}

int pl_acc_add(pl_acc *acc, double x) {
    if (!acc || !counters_fit(acc)) return PL_E_ARG;
    pl_acc_add_term(acc, x);
    return PL_OK;
}

int pl_acc_add_product(pl_acc *acc, double x, double y) {
    if (!acc || !counters_fit(acc)) return PL_E_ARG;
    pl_acc_add_product_term(acc, x, y);
    return PL_OK;
}

int pl_acc_merge(pl_acc *dst, const pl_acc *src) {
    if (!dst || !src || !pl_acc_fits(dst) || !pl_acc_fits(src)) return PL_E_ARG;
    pl_acc_merge_checked(dst, src);
    return PL_OK;
}

void pl_acc_merge_checked(pl_acc *dst, const pl_acc *src) {
    pl_acc s = *src;
    pl_acc_normalize(&s);
    pl_acc_normalize(dst);
    int lo, hi;
    if (nonzero_span(&s, &lo, &hi))
        for (int k = lo; k <= hi; k++) dst->digit[k] += s.digit[k];
    dst->adds = 2;
    /* Only whether a count is zero matters: saturate, so no merge of states, however many or
     * however forged, can wrap one to zero. */
    dst->nan = pl_count_add(dst->nan, s.nan);
    dst->pos_inf = pl_count_add(dst->pos_inf, s.pos_inf);
    dst->neg_inf = pl_count_add(dst->neg_inf, s.neg_inf);
}

/* A team's part (reduce.c) travels between cores as little as it can: normalised where it was
 * made, and only its nonzero digits copied out, digit[span[0]..span[1]] of *part (the rest of
 * *part is not written). span[0] > span[1] for zero. */
void pl_acc_pack(pl_acc *part, int span[2], pl_acc *mine) {
    pl_acc_normalize(mine);
    int lo = 1, hi = 0;
    (void)nonzero_span(mine, &lo, &hi);
    for (int k = lo; k <= hi; k++) part->digit[k] = mine->digit[k];
    part->nan = mine->nan;
    part->pos_inf = mine->pos_inf;
    part->neg_inf = mine->neg_inf;
    span[0] = lo;
    span[1] = hi;
}

/* Adds a packed part to dst: what pl_acc_merge does with the accumulator it was packed from.
 * Its digits are normalised (each below 2^32), so they count as one addition. */
void pl_acc_add_packed(pl_acc *dst, const pl_acc *part, const int span[2]) {
    for (int k = span[0]; k <= span[1]; k++) dst->digit[k] += part->digit[k];
    if (++dst->adds >= NORMALIZE_EVERY) pl_acc_normalize(dst);
    dst->nan = pl_count_add(dst->nan, part->nan);
    dst->pos_inf = pl_count_add(dst->pos_inf, part->pos_inf);
    dst->neg_inf = pl_count_add(dst->neg_inf, part->neg_inf);
}

/* Bits [pos, pos + 64) of a normalised, non-negative accumulator, pos >= 0. */
static uint64_t window(const pl_acc *a, int pos) {
    int k = pos / DIGIT_BITS, r = pos % DIGIT_BITS;
    uint64_t w = 0;
    for (int j = 0; j < 3 && k + j < PL_ACC_DIGITS; j++) {
        uint64_t d = (uint64_t)a->digit[k + j];
        int sh = DIGIT_BITS * j - r;
        if (sh < 0)
            w |= d >> -sh;
        else if (sh < 64)
            w |= d << sh;
    }
    return w;
}

/* Whether any bit below `pos` is set. */
static int any_below(const pl_acc *a, int pos) {
    int k = pos / DIGIT_BITS;
    for (int i = 0; i < k; i++)
        if (a->digit[i]) return 1;
    int64_t below = a->digit[k] & ((((int64_t)1) << (pos % DIGIT_BITS)) - 1);
    return below != 0;
}

/* |value| of a finite accumulator, normalised, into *a; whether the value is negative. */
static int magnitude(const pl_acc *acc, pl_acc *a) {
    *a = *acc;
    pl_acc_normalize(a);
    int neg = a->digit[PL_ACC_DIGITS - 1] < 0;
    int lo, hi;
    if (neg && nonzero_span(a, &lo, &hi)) {
        for (int k = lo; k < PL_ACC_DIGITS; k++) a->digit[k] = -a->digit[k];
        pl_acc_normalize(a);
    }
    return neg;
}

/* The index of the highest set bit of a normalised non-negative accumulator; -1 for zero. */
static int top_bit(const pl_acc *a) {
    int h = PL_ACC_DIGITS - 1;
    while (h >= 0 && a->digit[h] == 0) h--;
    return h < 0 ? -1 : h * DIGIT_BITS + 63 - __builtin_clzll((uint64_t)a->digit[h]);
}

/* The value times 2^-scale (0 <= scale <= 2048), rounded once to nearest even; NaN and
 * infinities as pl_acc_round. Scaling the integer's weights, not a rounded result, keeps the
 * single rounding: a value too large for a double is rounded as exactly as any other. */
void pl_acc_round_scaled(const pl_acc *acc, int scale, double *out) {
    if (acc->nan || (acc->pos_inf && acc->neg_inf)) {
        *out = __builtin_nan("");
        return;
    }
    if (acc->pos_inf || acc->neg_inf) {
        *out = acc->pos_inf ? __builtin_inf() : -__builtin_inf();
        return;
    }
    pl_acc a;
    int neg = magnitude(acc, &a);
    int top = top_bit(&a);
    if (top < 0) {
        *out = 0.0;
        return;
    }
    /* Bit b weighs 2^(b - LOW_BITS - 1074 - scale): the result's last bit is bit top - 52, or
     * for a result below 2^-1022 the bit of 2^-1074, whichever is higher. */
    int sub = LOW_BITS + scale; /* the bit of 2^-1074 */
    int lsb = top - 52 > sub ? top - 52 : sub; /* < PL_ACC_DIGITS * 32 for scale <= 2048 */
    uint64_t bits, m = window(&a, lsb) & ((1ULL << 53) - 1);
    int half = (int)(window(&a, lsb - 1) & 1);
    int sticky = any_below(&a, lsb - 1);
    if (half && (sticky || (m & 1))) m++;
    if (lsb == sub) {
        bits = m; /* below 2^-1021 the integer is the bit pattern (2^53 being 2^-1021) */
    } else {
        if (m == (1ULL << 53)) {
            m >>= 1;
            lsb++;
        }
        int be = lsb - sub + 1;
        if (be >= 0x7FF) {
            *out = neg ? -__builtin_inf() : __builtin_inf();
            return;
        }
        bits = ((uint64_t)be << 52) | (m & ((1ULL << 52) - 1));
    }
    if (neg) bits |= 1ULL << 63;
    memcpy(out, &bits, sizeof bits);
}

int pl_acc_round(const pl_acc *acc, double *out) {
    if (!acc || !out || !pl_acc_fits(acc)) return PL_E_ARG;
    pl_acc_round_scaled(acc, 0, out);
    return PL_OK;
}

int pl_acc_exponent(const pl_acc *acc) {
    pl_acc a;
    magnitude(acc, &a);
    int top = top_bit(&a);
    return top < 0 ? INT32_MIN : top - LOW_BITS - 1074;
}

int pl_acc_mean(const pl_acc *acc, int64_t n, double *out) {
    if (!acc || !out || n < 0 || !pl_acc_fits(acc)) return PL_E_ARG;
    *out = pl_acc_mean_checked(acc, n);
    return PL_OK;
}

double pl_acc_mean_checked(const pl_acc *acc, int64_t n) {
    if (n == 0) { /* the mean of nothing, whatever the accumulator holds: 0/0, the NaN whose
                   * bits every empty mean has (x86's default NaN), computed, not folded */
        volatile double zero = 0;
        return zero / zero;
    }
    double s;
    pl_acc_round_scaled(acc, 0, &s);
    if (isinf(s) && !acc->pos_inf && !acc->neg_inf && !acc->nan) {
        /* A finite sum too large for a double, whose mean is finite (|mean| <= max |x|): the
         * sum rounded at 2^-64 of its size, divided, and scaled back. Two roundings, as
         * round(S) / n takes; both values are normal, so the scaling back is exact, unless the
         * roundings carried a mean of about DBL_MAX past it. */
        pl_acc_round_scaled(acc, 64, &s);
        double m = ldexp(s / (double)n, 64);
        return isinf(m) ? copysign(DBL_MAX, m) : m; /* rounded past DBL_MAX, which bounds it */
    }
    return s / (double)n;
}
