/*
 * Partial states: identities, layouts, merges and finishes (paralelo.h, "Partial states").
 * Java's twin is dev.paralelo.kernel.States. Every merge here is exact, associative and
 * commutative, which is what lets threads, processes and MPI ranks merge in any order.
 */
#include "impl.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

int pl_state_kind(int dtype, int op) {
    if (pl_dtype_size(dtype) == 0) return PL_E_ARG;
    int fl = pl_dtype_is_float(dtype);
    switch (op) {
    case PL_SUM:
    case PL_MEAN:
    case PL_DOT: return fl ? PL_STATE_SUM : PL_STATE_INTEGER;
    case PL_MIN:
    case PL_MAX: return PL_STATE_EXTREMUM;
    case PL_VAR: return fl ? PL_STATE_CENTERED : PL_STATE_MOMENTS;
    default: return PL_E_ARG;
    }
}

static size_t state_size(int kind) {
    switch (kind) {
    case PL_STATE_SUM: return sizeof(pl_acc);
    case PL_STATE_INTEGER: return sizeof(pl_wide);
    case PL_STATE_EXTREMUM: return sizeof(pl_extremum);
    case PL_STATE_CENTERED: return sizeof(pl_centered);
    case PL_STATE_MOMENTS: return sizeof(pl_moments);
    default: return 0;
    }
}

int pl_state_words(int kind) {
    size_t s = state_size(kind);
    return s ? (int)(s / 8) : PL_E_ARG;
}

/* Each kind's field offsets in declaration order, then its size; -1 ends a list. */
static const int64_t layout_sum[] = {offsetof(pl_acc, digit), offsetof(pl_acc, adds),
                                     offsetof(pl_acc, nan), offsetof(pl_acc, pos_inf),
                                     offsetof(pl_acc, neg_inf), sizeof(pl_acc), -1};
static const int64_t layout_integer[] = {offsetof(pl_wide, word), sizeof(pl_wide), -1};
static const int64_t layout_extremum[] = {
    offsetof(pl_extremum, dtype), offsetof(pl_extremum, op),    offsetof(pl_extremum, count),
    offsetof(pl_extremum, nan),   offsetof(pl_extremum, index), offsetof(pl_extremum, value),
    sizeof(pl_extremum),          -1};
static const int64_t layout_centered[] = {offsetof(pl_centered, center), offsetof(pl_centered, count),
                                          offsetof(pl_centered, dev), offsetof(pl_centered, sq),
                                          sizeof(pl_centered), -1};
static const int64_t layout_moments[] = {offsetof(pl_moments, count), offsetof(pl_moments, reserved),
                                         offsetof(pl_moments, sum), offsetof(pl_moments, sumsq),
                                         sizeof(pl_moments), -1};

int pl_state_layout(int kind, int64_t *offsets, int64_t n) {
    const int64_t *l;
    switch (kind) {
    case PL_STATE_SUM: l = layout_sum; break;
    case PL_STATE_INTEGER: l = layout_integer; break;
    case PL_STATE_EXTREMUM: l = layout_extremum; break;
    case PL_STATE_CENTERED: l = layout_centered; break;
    case PL_STATE_MOMENTS: l = layout_moments; break;
    default: return PL_E_ARG;
    }
    int64_t k = 0;
    while (l[k] >= 0) k++;
    if (!offsets || n < k) return PL_E_ARG;
    memcpy(offsets, l, (size_t)k * sizeof *l);
    return PL_OK;
}

int pl_state_init(void *state, int dtype, int op, double center) {
    int kind = pl_state_kind(dtype, op);
    if (kind < 0 || !state) return PL_E_ARG;
    memset(state, 0, state_size(kind));
    if (kind == PL_STATE_EXTREMUM) {
        pl_extremum *e = state;
        e->dtype = dtype;
        e->op = op;
    } else if (kind == PL_STATE_CENTERED) {
        /* Any NaN as the canonical one, so that states of one (NaN) mean merge. */
        ((pl_centered *)state)->center = center == center ? center : __builtin_nan("");
    }
    return PL_OK;
}

/* Whether two counts of elements (each in [0, PL_MAX_COUNT]) may be added. */
static int counts_fit(int64_t a, int64_t b) {
    return a >= 0 && b >= 0 && a <= PL_MAX_COUNT - b;
}

/*
 * Whether a min/max state holds what pl_state_init, the kernels and the merges leave: a dtype
 * and op that have such a state, a count in [0, PL_MAX_COUNT], and then either the empty
 * state's zeros or an index in [0, PL_MAX_COUNT) (indices count from x[0], so a partial of a
 * later range has one past its count, but none reaches 2^62) and a NaN flag of 0 or 1, set only
 * for float data and exactly when the value is a NaN.
 */
int pl_extremum_fits(const pl_extremum *e) {
    if (e->dtype < 0 || e->dtype > INT32_MAX || e->op < 0 || e->op > INT32_MAX ||
        pl_state_kind((int)e->dtype, (int)e->op) != PL_STATE_EXTREMUM)
        return 0;
    if (e->count < 0 || e->count > PL_MAX_COUNT) return 0;
    if (e->count == 0) return e->nan == 0 && e->index == 0 && e->value == 0;
    if (e->index < 0 || e->index >= PL_MAX_COUNT || (e->nan != 0 && e->nan != 1)) return 0;
    if (!pl_dtype_is_float((int)e->dtype)) return e->nan == 0;
    double v;
    memcpy(&v, &e->value, sizeof v);
    return e->nan == (isnan(v) ? 1 : 0);
}

int pl_extremum_merge(pl_extremum *dst, const pl_extremum *src) {
    if (!counts_fit(dst->count, src->count)) return PL_E_OVERFLOW;
    if (src->count == 0) return PL_OK;
    if (dst->count == 0) {
        *dst = *src;
        return PL_OK;
    }
    int64_t count = dst->count + src->count;
    if (dst->nan || src->nan) {
        /* The first NaN of the two ranges. */
        if (!dst->nan || (src->nan && src->index < dst->index)) *dst = *src;
    } else if (!pl_dtype_is_float((int)dst->dtype)) {
        int op = (int)dst->op;
        if (op == PL_MIN ? src->value < dst->value : src->value > dst->value)
            *dst = *src;
        else if (src->value == dst->value && src->index < dst->index)
            dst->index = src->index;
    } else {
        int op = (int)dst->op;
        double a, b;
        memcpy(&a, &dst->value, sizeof a);
        memcpy(&b, &src->value, sizeof b);
        if (pl_better(op, b, a)) {
            *dst = *src;
        } else if (a == b) {
            if (src->index < dst->index) dst->index = src->index;
            /* Equal zeros: the sign a zero min or max takes wins. */
            if (a == 0 && signbit(b) != signbit(a) && (signbit(b) != 0) == (op == PL_MIN))
                dst->value = src->value;
        }
    }
    dst->count = count;
    return PL_OK;
}

/* Whether a centred state's two accumulators are ones the library could have left. */
static int centered_accs_fit(const pl_centered *c) { return pl_acc_fits(&c->dev) && pl_acc_fits(&c->sq); }

int pl_state_room(int kind, const void *state, int64_t more) {
    int64_t count;
    switch (kind) {
    case PL_STATE_SUM: return pl_acc_fits(state) ? PL_OK : PL_E_ARG;
    case PL_STATE_EXTREMUM: count = ((const pl_extremum *)state)->count; break;
    case PL_STATE_CENTERED: {
        const pl_centered *c = state;
        if (!centered_accs_fit(c)) return PL_E_ARG;
        count = c->count;
        break;
    }
    case PL_STATE_MOMENTS: count = ((const pl_moments *)state)->count; break;
    default: return PL_OK;
    }
    if (count < 0 || count > PL_MAX_COUNT) return PL_E_ARG;
    return counts_fit(count, more) ? PL_OK : PL_E_OVERFLOW;
}

int pl_centered_merge(pl_centered *dst, const pl_centered *src) {
    if (dst->count < 0 || src->count < 0 || !centered_accs_fit(dst) || !centered_accs_fit(src))
        return PL_E_ARG; /* no call leaves such a state */
    if (!counts_fit(dst->count, src->count)) return PL_E_OVERFLOW;
    pl_acc_merge_checked(&dst->dev, &src->dev);
    pl_acc_merge_checked(&dst->sq, &src->sq);
    dst->count += src->count;
    return PL_OK;
}

int pl_moments_merge(pl_moments *dst, const pl_moments *src) {
    if (dst->count < 0 || src->count < 0) return PL_E_ARG; /* no call leaves one */
    if (!counts_fit(dst->count, src->count)) return PL_E_OVERFLOW;
    pl_wide_add(&dst->sum, &src->sum);
    pl_wide_add(&dst->sumsq, &src->sumsq);
    dst->count += src->count;
    return PL_OK;
}

int pl_merge(int kind, void *dst, const void *src) {
    if (!dst || !src || state_size(kind) == 0) return PL_E_ARG;
    switch (kind) {
    case PL_STATE_SUM: return pl_acc_merge(dst, src);
    case PL_STATE_INTEGER: pl_wide_add(dst, src); return PL_OK;
    case PL_STATE_EXTREMUM: {
        pl_extremum *d = dst;
        const pl_extremum *s = src;
        if (d->dtype != s->dtype || d->op != s->op) return PL_E_MISMATCH;
        if (!pl_extremum_fits(d) || !pl_extremum_fits(s)) return PL_E_ARG;
        return pl_extremum_merge(d, s);
    }
    case PL_STATE_CENTERED: {
        pl_centered *d = dst;
        const pl_centered *s = src;
        /* Deviations from different centres do not add up to anything. */
        if (memcmp(&d->center, &s->center, sizeof d->center) != 0) return PL_E_MISMATCH;
        return pl_centered_merge(d, s);
    }
    default: return pl_moments_merge(dst, src);
    }
}

int pl_extremum_result(const pl_extremum *st, double *out_f, int64_t *out_i, int64_t *index) {
    if (!st || !out_f || !out_i || !index || !pl_extremum_fits(st)) return PL_E_ARG;
    if (st->count == 0) return PL_E_EMPTY;
    *index = st->index;
    if (pl_dtype_is_float((int)st->dtype))
        memcpy(out_f, &st->value, sizeof *out_f);
    else
        *out_i = st->value;
    return PL_OK;
}

/*
 * A centred state's sums Q = sum(d*d) and D = sum(d), each rounded once: as they are (*k = 0),
 * or, when finite sums are too large for the variance's formula (a variance near or past
 * DBL_MAX, or a centre far from the data's mean), scaled by 2^-2k and 2^-k, rounded once each
 * at that scale. 2k brings Q below 2^1001 and D below 2^501. *special: an accumulator holds a
 * NaN or an infinity (then *k = 0).
 */
static void centered_sums(const pl_centered *st, double *sq, double *sd, int *k, int *special) {
    pl_acc_round_scaled(&st->sq, 0, sq);
    pl_acc_round_scaled(&st->dev, 0, sd);
    *special = st->sq.nan || st->sq.pos_inf || st->sq.neg_inf || st->dev.nan || st->dev.pos_inf ||
               st->dev.neg_inf;
    *k = 0;
    if (*special || (isfinite(*sq) && fabs(*sd) < 0x1p500)) return;
    int eq = pl_acc_exponent(&st->sq), ed = pl_acc_exponent(&st->dev), s = 1;
    if (eq > 1000 && (eq - 999) / 2 > s) s = (eq - 999) / 2;
    if (ed > 500 && ed - 500 > s) s = ed - 500;
    if (s > 1024) s = 1024; /* no state of real data comes near (sq < 2^2113, sd < 2^1088) */
    pl_acc_round_scaled(&st->sq, 2 * s, sq);
    pl_acc_round_scaled(&st->dev, s, sd);
    *k = s;
}

/* Whether a centred state is one pl_variance_result and pl_variance_recenter take. */
static int centered_result_fits(const pl_centered *st) {
    return st->count >= 0 && st->count <= PL_MAX_COUNT && centered_accs_fit(st);
}

/*
 * The finish of a centred state that fits: *next as pl_variance_recenter gives it, and, when
 * that is NaN or `always`, *out the variance with ddof as pl_variance_result gives it; the
 * accumulators are rounded once for both. The one-pass rule (docs/ACCURACY.md, "Variance"): a
 * state whose centre c lies far from its data's mean, 16 D^2 > n Q, is summed again around
 * c + D/n. Both sides are at the scale of centered_sums, where they compare as the unscaled sums
 * do (D^2 and Q scale alike); a product past DBL_MAX only makes the right side infinite, where
 * D^2 <= n Q holds anyway.
 */
void pl_centered_finish(const pl_centered *st, int ddof, int always, double *out, double *next) {
    int64_t n = st->count;
    *next = NAN;
    if (n - ddof <= 0 || !isfinite(st->center)) {
        *out = NAN; /* numpy: no degrees of freedom left; or the centre was not finite */
        if (n == 0 || !isfinite(st->center)) return;
    }
    double sq, sd;
    int k, special;
    centered_sums(st, &sq, &sd, &k, &special);
    if (!special && 16.0 * (sd * sd) > sq * (double)n) {
        double c = st->center + (k ? ldexp(sd / (double)n, k) : sd / (double)n);
        if (isfinite(c) && c != st->center) {
            *next = c;
            if (!always) return;
        }
    }
    if (n - ddof <= 0) return;
    /* sd/n is how far the centre lies from the mean; subtracting sd^2/n corrects for it. Scaled
     * sums are scaled back by 2^2k, which overflows to infinity only when the variance does. */
    double v = (sq - sd * sd / (double)n) / (double)(n - ddof);
    *out = k ? ldexp(v, 2 * k) : v;
}

int pl_variance_result(int kind, const void *state, int ddof, double *out) {
    if (!state || !out || ddof < 0) return PL_E_ARG;
    if (kind == PL_STATE_MOMENTS) return pl_moments_variance(state, ddof, out);
    if (kind != PL_STATE_CENTERED) return PL_E_ARG;
    if (!centered_result_fits(state)) return PL_E_ARG;
    double next;
    pl_centered_finish(state, ddof, 1, out, &next);
    return PL_OK;
}

int pl_variance_recenter(const pl_centered *st, double *next) {
    if (!st || !next || !centered_result_fits(st)) return PL_E_ARG;
    double out;
    pl_centered_finish(st, 0, 0, &out, next);
    return PL_OK;
}
