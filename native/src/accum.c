/*
 * The exact accumulator (see pl_acc in paralelo.h).
 *
 * A finite double is m * 2^(p - 1074) with m < 2^53 and 0 <= p <= 2045. Shifted into place it
 * spans at most 85 bits, i.e. three 32-bit digits starting at digit p / 32. Each addition puts
 * less than 2^33 into a digit, so signed 64-bit digits can take 2^29 additions before carries
 * must be propagated; pl_acc_normalize does that and leaves every digit but the top one in
 * [0, 2^32). Nothing here rounds until pl_acc_round, which rounds once to nearest, ties to
 * even, and so is independent of the order in which terms and partials arrived.
 */
#include "impl.h"

#include <string.h>

#define DIGIT_BITS 32
#define DIGIT_MASK 0xFFFFFFFFLL
#define NORMALIZE_EVERY (1LL << 29)

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
    /* Four digits at a time (68 = 17 * 4), then one at a time inside the first busy group. */
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
 * highest one; the result is the unique form with digits 0..66 in [0, 2^32), whichever
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

void pl_acc_add_term(pl_acc *acc, double x) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int be = (int)((bits >> 52) & 0x7FF);
    uint64_t m = bits & ((1ULL << 52) - 1);
    int neg = (int)(bits >> 63);
    if (be == 0x7FF) {
        if (m)
            acc->nan++;
        else if (neg)
            acc->neg_inf++;
        else
            acc->pos_inf++;
        return;
    }
    if (be == 0) {
        if (m == 0) return; /* a zero of either sign adds nothing */
        be = 1;             /* subnormal: same scale as the smallest normal, no hidden bit */
    } else {
        m |= 1ULL << 52;
    }
    int p = be - 1;
    int k = p / DIGIT_BITS, r = p % DIGIT_BITS;
    uint64_t lo = (m & DIGIT_MASK) << r; /* < 2^63 */
    uint64_t hi = (m >> 32) << r;        /* < 2^52 */
    int64_t d0 = (int64_t)(lo & DIGIT_MASK);
    int64_t d1 = (int64_t)((lo >> 32) + (hi & DIGIT_MASK));
    int64_t d2 = (int64_t)(hi >> 32);
    if (neg) {
        acc->digit[k] -= d0;
        acc->digit[k + 1] -= d1;
        acc->digit[k + 2] -= d2;
    } else {
        acc->digit[k] += d0;
        acc->digit[k + 1] += d1;
        acc->digit[k + 2] += d2;
    }
    if (++acc->adds >= NORMALIZE_EVERY) pl_acc_normalize(acc);
}

int pl_acc_add(pl_acc *acc, double x) {
    if (!acc) return PL_E_ARG;
    pl_acc_add_term(acc, x);
    return PL_OK;
}

int pl_acc_merge(pl_acc *dst, const pl_acc *src) {
    if (!dst || !src) return PL_E_ARG;
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
    return PL_OK;
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

int pl_acc_round(const pl_acc *acc, double *out) {
    if (!acc || !out) return PL_E_ARG;
    if (acc->nan || (acc->pos_inf && acc->neg_inf)) {
        *out = __builtin_nan("");
        return PL_OK;
    }
    if (acc->pos_inf || acc->neg_inf) {
        *out = acc->pos_inf ? __builtin_inf() : -__builtin_inf();
        return PL_OK;
    }
    pl_acc a = *acc;
    pl_acc_normalize(&a);
    int neg = a.digit[PL_ACC_DIGITS - 1] < 0;
    int lo, hi;
    if (neg && nonzero_span(&a, &lo, &hi)) {
        for (int k = lo; k < PL_ACC_DIGITS; k++) a.digit[k] = -a.digit[k];
        pl_acc_normalize(&a);
    }
    int h = PL_ACC_DIGITS - 1;
    while (h >= 0 && a.digit[h] == 0) h--;
    if (h < 0) {
        *out = 0.0;
        return PL_OK;
    }
    int top = h * DIGIT_BITS + 63 - __builtin_clzll((uint64_t)a.digit[h]);
    uint64_t bits;
    if (top <= 52) {
        /* Below 2^-1021 every multiple of 2^-1074 is representable: the integer is the
         * bit pattern (a subnormal, or the smallest binade of normals). */
        bits = window(&a, 0) & ((2ULL << top) - 1);
    } else {
        uint64_t m = window(&a, top - 52) & ((1ULL << 53) - 1);
        int half = (int)(window(&a, top - 53) & 1);
        int sticky = top - 53 > 0 && any_below(&a, top - 53);
        if (half && (sticky || (m & 1))) m++;
        if (m == (1ULL << 53)) {
            m >>= 1;
            top++;
        }
        int be = top - 51;
        if (be >= 0x7FF) {
            *out = neg ? -__builtin_inf() : __builtin_inf();
            return PL_OK;
        }
        bits = ((uint64_t)be << 52) | (m & ((1ULL << 52) - 1));
    }
    if (neg) bits |= 1ULL << 63;
    memcpy(out, &bits, sizeof bits);
    return PL_OK;
}
