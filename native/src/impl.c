/*
 * Single-threaded range kernels, compiled once per SIMD level (PL_IMPL_NAME names the table).
 *
 * Every floating-point reduction is written over GCC generic vectors of PL_LANES (8) doubles.
 * The compiler maps them to 4 SSE2, 2 AVX2 or 1 AVX-512 registers, but the arithmetic is
 * lane-wise IEEE double with fused multiply-add contraction off (-ffp-contract=off), so each
 * level performs the same roundings in the same order and returns the same bits. The scalar
 * tails below continue the same lanes, and the Java implementation mirrors them one to one.
 */
#include "impl.h"

#include <math.h>
#include <string.h>
#if defined(__AVX512F__) || defined(__FMA__)
#include <immintrin.h>
#endif

#ifndef PL_IMPL_NAME
#error "PL_IMPL_NAME must name the table this compilation defines"
#endif

typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef int32_t v8i __attribute__((vector_size(32)));

#define LANES PL_LANES

static inline v8d load_f64(const double *p) {
    v8d v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline v8d load_f32(const float *p) {
    v8f v;
    memcpy(&v, p, sizeof v);
    return __builtin_convertvector(v, v8d);
}

/* Loads 8 elements of a float dtype as doubles (f32 widens exactly). */
static inline v8d load_as_f64(int dtype, const void *x, int64_t i) {
    return dtype == PL_F64 ? load_f64((const double *)x + i) : load_f32((const float *)x + i);
}

static inline double elem_as_f64(int dtype, const void *x, int64_t i) {
    return dtype == PL_F64 ? ((const double *)x)[i] : (double)((const float *)x)[i];
}

/* a * b - p with one rounding, lane-wise. */
static inline v8d fms8(v8d a, v8d b, v8d p) {
#if defined(__AVX512F__)
    return (v8d)_mm512_fmsub_pd((__m512d)a, (__m512d)b, (__m512d)p);
#elif defined(__FMA__)
    __m256d a2[2], b2[2], p2[2], r2[2];
    memcpy(a2, &a, sizeof a);
    memcpy(b2, &b, sizeof b);
    memcpy(p2, &p, sizeof p);
    r2[0] = _mm256_fmsub_pd(a2[0], b2[0], p2[0]);
    r2[1] = _mm256_fmsub_pd(a2[1], b2[1], p2[1]);
    v8d r;
    memcpy(&r, r2, sizeof r);
    return r;
#else
    v8d r;
    for (int l = 0; l < LANES; l++) r[l] = fma(a[l], b[l], -p[l]);
    return r;
#endif
}

/*
 * Knuth's TwoSum: t = s + x and the exact rounding error of that addition, which goes to the
 * lane's compensation c. Six additions, no branch and no magnitude test, so it is exact for
 * any order of magnitudes (Kahan's variant is not when |x| > |s|). The only rounding left in a
 * lane is the accumulation of the errors into c, which is what makes the bound in
 * docs/ACCURACY.md eps*|S| + n*eps^2*sum|x| rather than n*eps*sum|x|.
 */
#define TWO_SUM(s, c, x)                                                                      \
    do {                                                                                      \
        __typeof__(s) t_ = (s) + (x);                                                         \
        __typeof__(s) z_ = t_ - (s);                                                          \
        (c) += ((s) - (t_ - z_)) + ((x) - z_);                                                \
        (s) = t_;                                                                             \
    } while (0)

static int lanes_finite(const double *s, const double *c) {
    for (int l = 0; l < LANES; l++)
        if (!isfinite(s[l]) || !isfinite(c[l])) return 0;
    return 1;
}

static void lanes_to_acc(pl_acc *acc, const double *s, const double *c) {
    for (int l = 0; l < LANES; l++) {
        pl_acc_add_term(acc, s[l]);
        pl_acc_add_term(acc, c[l]);
    }
}

/* One block (len <= PL_BLOCK) of a float sum; lane l takes elements l, l+8, l+16, ... */
static void sum_block(int dtype, int mode, const void *x, int64_t b, int64_t len, pl_acc *acc) {
    v8d s = {0}, c = {0};
    int64_t i = 0;
    if (mode == PL_ACCURATE) {
        for (; i + LANES <= len; i += LANES) {
            v8d v = load_as_f64(dtype, x, b + i);
            TWO_SUM(s, c, v);
        }
    } else {
        for (; i + LANES <= len; i += LANES) s += load_as_f64(dtype, x, b + i);
    }
    double sl[LANES], cl[LANES];
    memcpy(sl, &s, sizeof s);
    memcpy(cl, &c, sizeof c);
    for (int l = 0; i < len; i++, l++) {
        double v = elem_as_f64(dtype, x, b + i);
        if (mode == PL_ACCURATE)
            TWO_SUM(sl[l], cl[l], v);
        else
            sl[l] += v;
    }
    if (lanes_finite(sl, cl)) {
        lanes_to_acc(acc, sl, cl);
    } else {
        /* An infinity, a NaN or an overflow inside a lane: add this block's terms exactly,
         * so finite overflow in a lane cannot turn into a wrong infinity. */
        for (i = 0; i < len; i++) pl_acc_add_term(acc, elem_as_f64(dtype, x, b + i));
    }
}

static void k_sum(int dtype, int mode, const void *x, int64_t lo, int64_t hi, pl_acc *acc) {
    for (int64_t b = lo; b < hi; b += PL_BLOCK) {
        int64_t len = hi - b < PL_BLOCK ? hi - b : PL_BLOCK;
        sum_block(dtype, mode, x, b, len, acc);
    }
}

/*
 * Dot, accurate mode (Ogita-Rump-Oishi Dot2 in lanes): p = x*y rounded, e = x*y - p exactly by
 * a fused multiply-subtract, p goes through TwoSum and e joins the compensation. f32 products
 * are exact in double, so e is 0 and skipped.
 */
static void dot_block(int dtype, int mode, const void *x, const void *y, int64_t b, int64_t len,
                      pl_acc *acc) {
    v8d s = {0}, c = {0};
    int64_t i = 0;
    for (; i + LANES <= len; i += LANES) {
        v8d u = load_as_f64(dtype, x, b + i), v = load_as_f64(dtype, y, b + i);
        v8d p = u * v;
        if (mode == PL_ACCURATE) {
            TWO_SUM(s, c, p);
            if (dtype == PL_F64) c += fms8(u, v, p);
        } else {
            s += p;
        }
    }
    double sl[LANES], cl[LANES];
    memcpy(sl, &s, sizeof s);
    memcpy(cl, &c, sizeof c);
    for (int l = 0; i < len; i++, l++) {
        double u = elem_as_f64(dtype, x, b + i), v = elem_as_f64(dtype, y, b + i);
        double p = u * v;
        if (mode == PL_ACCURATE) {
            TWO_SUM(sl[l], cl[l], p);
            if (dtype == PL_F64) cl[l] += fma(u, v, -p);
        } else {
            sl[l] += p;
        }
    }
    if (lanes_finite(sl, cl)) {
        lanes_to_acc(acc, sl, cl);
        return;
    }
    for (i = 0; i < len; i++) {
        double u = elem_as_f64(dtype, x, b + i), v = elem_as_f64(dtype, y, b + i);
        double p = u * v;
        pl_acc_add_term(acc, p);
        if (dtype == PL_F64 && isfinite(p)) pl_acc_add_term(acc, fma(u, v, -p));
    }
}

static void k_dot(int dtype, int mode, const void *x, const void *y, int64_t lo, int64_t hi,
                  pl_acc *acc) {
    for (int64_t b = lo; b < hi; b += PL_BLOCK) {
        int64_t len = hi - b < PL_BLOCK ? hi - b : PL_BLOCK;
        dot_block(dtype, mode, x, y, b, len, acc);
    }
}

/* Second pass of the variance: lanes of sum(d*d) and sum(d), d = x - mean (integers are
 * widened to double first). */
static inline double elem_any_f64(int dtype, const void *x, int64_t i) {
    switch (dtype) {
    case PL_F64: return ((const double *)x)[i];
    case PL_F32: return (double)((const float *)x)[i];
    case PL_I64: return (double)((const int64_t *)x)[i];
    default: return (double)((const int32_t *)x)[i];
    }
}

static inline v8d load_any_f64(int dtype, const void *x, int64_t i) {
    if (dtype == PL_F64 || dtype == PL_F32) return load_as_f64(dtype, x, i);
    if (dtype == PL_I64) {
        v8l v;
        memcpy(&v, (const int64_t *)x + i, sizeof v);
        return __builtin_convertvector(v, v8d);
    }
    v8i v;
    memcpy(&v, (const int32_t *)x + i, sizeof v);
    return __builtin_convertvector(v, v8d);
}

static void var_block(int dtype, int mode, const void *x, int64_t b, int64_t len, double mean,
                      pl_acc *q, pl_acc *d) {
    v8d sq = {0}, cq = {0}, sd = {0}, cd = {0};
    v8d m = {mean, mean, mean, mean, mean, mean, mean, mean};
    int64_t i = 0;
    for (; i + LANES <= len; i += LANES) {
        v8d dv = load_any_f64(dtype, x, b + i) - m;
        v8d qv = dv * dv;
        if (mode == PL_ACCURATE) {
            TWO_SUM(sq, cq, qv);
            TWO_SUM(sd, cd, dv);
        } else {
            sq += qv;
            sd += dv;
        }
    }
    double sql[LANES], cql[LANES], sdl[LANES], cdl[LANES];
    memcpy(sql, &sq, sizeof sq);
    memcpy(cql, &cq, sizeof cq);
    memcpy(sdl, &sd, sizeof sd);
    memcpy(cdl, &cd, sizeof cd);
    for (int l = 0; i < len; i++, l++) {
        double dv = elem_any_f64(dtype, x, b + i) - mean;
        double qv = dv * dv;
        if (mode == PL_ACCURATE) {
            TWO_SUM(sql[l], cql[l], qv);
            TWO_SUM(sdl[l], cdl[l], dv);
        } else {
            sql[l] += qv;
            sdl[l] += dv;
        }
    }
    if (lanes_finite(sql, cql) && lanes_finite(sdl, cdl)) {
        lanes_to_acc(q, sql, cql);
        lanes_to_acc(d, sdl, cdl);
        return;
    }
    for (i = 0; i < len; i++) {
        double dv = elem_any_f64(dtype, x, b + i) - mean;
        pl_acc_add_term(q, dv * dv);
        pl_acc_add_term(d, dv);
    }
}

static void k_var(int dtype, int mode, const void *x, int64_t lo, int64_t hi, double mean,
                  pl_acc *q, pl_acc *d) {
    for (int64_t b = lo; b < hi; b += PL_BLOCK) {
        int64_t len = hi - b < PL_BLOCK ? hi - b : PL_BLOCK;
        var_block(dtype, mode, x, b, len, mean, q, d);
    }
}

/*
 * Float min/max. NaN anywhere makes the result NaN (numpy). Comparisons decide everything
 * else; the sign of a zero result is fixed by the caller (reduce.c), so that min(+0, -0) is
 * -0 whatever the order, as Java's Math.min.
 */
static void k_fext(int dtype, int op, const void *x, int64_t lo, int64_t hi, pl_fext *st) {
    if (hi <= lo) return;
    double first = elem_as_f64(dtype, x, lo);
    v8d m = {first, first, first, first, first, first, first, first};
    v8l nanv = {0};
    int64_t i = lo;
    for (; i + LANES <= hi; i += LANES) {
        v8d v = load_as_f64(dtype, x, i);
        nanv |= (v != v);
        v8l take = op == PL_MIN ? (v < m) : (v > m);
        m = (v8d)(((v8l)v & take) | ((v8l)m & ~take));
    }
    double r = st->has ? st->value : first;
    int nan = st->nan || first != first;
    for (int l = 0; l < LANES; l++) {
        nan |= nanv[l] != 0;
        if (op == PL_MIN ? m[l] < r : m[l] > r) r = m[l];
    }
    for (; i < hi; i++) {
        double v = elem_as_f64(dtype, x, i);
        nan |= v != v;
        if (op == PL_MIN ? v < r : v > r) r = v;
    }
    st->value = r;
    st->nan = nan;
    st->has = 1;
}

static int64_t k_iext(int dtype, int op, const void *x, int64_t lo, int64_t hi) {
    if (dtype == PL_I64) {
        const int64_t *p = x;
        int64_t r = p[lo];
        if (op == PL_MIN)
            for (int64_t i = lo + 1; i < hi; i++) r = p[i] < r ? p[i] : r;
        else
            for (int64_t i = lo + 1; i < hi; i++) r = p[i] > r ? p[i] : r;
        return r;
    }
    const int32_t *p = x;
    int32_t r = p[lo];
    if (op == PL_MIN)
        for (int64_t i = lo + 1; i < hi; i++) r = p[i] < r ? p[i] : r;
    else
        for (int64_t i = lo + 1; i < hi; i++) r = p[i] > r ? p[i] : r;
    return r;
}

/* Exact integer sums. i32 widens into 64-bit lanes (a block of 2^12 terms of 2^31 cannot
 * overflow them); i64 splits each term into a signed high and an unsigned low 32-bit half,
 * sums the halves in 64-bit lanes and recombines per block in 128 bits. */
static pl_i128 k_isum(int dtype, const void *x, int64_t lo, int64_t hi) {
    pl_i128 total = 0;
    for (int64_t b = lo; b < hi; b += PL_BLOCK) {
        int64_t e = hi - b < PL_BLOCK ? hi : b + PL_BLOCK;
        int64_t i = b;
        if (dtype == PL_I32) {
            const int32_t *p = x;
            v8l acc = {0};
            for (; i + LANES <= e; i += LANES) {
                v8i v;
                memcpy(&v, p + i, sizeof v);
                acc += __builtin_convertvector(v, v8l);
            }
            int64_t s = 0;
            for (int l = 0; l < LANES; l++) s += acc[l];
            for (; i < e; i++) s += p[i];
            total += s;
        } else {
            const int64_t *p = x;
            v8l hs = {0}, ls = {0};
            const v8l mask = {0xFFFFFFFFLL, 0xFFFFFFFFLL, 0xFFFFFFFFLL, 0xFFFFFFFFLL,
                              0xFFFFFFFFLL, 0xFFFFFFFFLL, 0xFFFFFFFFLL, 0xFFFFFFFFLL};
            for (; i + LANES <= e; i += LANES) {
                v8l v;
                memcpy(&v, p + i, sizeof v);
                hs += v >> 32;
                ls += v & mask;
            }
            int64_t h = 0, lsum = 0;
            for (int l = 0; l < LANES; l++) {
                h += hs[l];
                lsum += ls[l];
            }
            for (; i < e; i++) {
                h += p[i] >> 32;
                lsum += p[i] & 0xFFFFFFFFLL;
            }
            total += (pl_i128)h * ((pl_i128)1 << 32) + lsum;
        }
    }
    return total;
}

static pl_i128 k_idot(int dtype, const void *x, const void *y, int64_t lo, int64_t hi,
                      int *overflow) {
    pl_i128 total = 0;
    if (dtype == PL_I32) {
        const int32_t *p = x, *q = y;
        for (int64_t i = lo; i < hi; i++) total += (int64_t)p[i] * (int64_t)q[i];
        return total;
    }
    const int64_t *p = x, *q = y;
    for (int64_t i = lo; i < hi; i++) {
        pl_i128 prod = (pl_i128)p[i] * (pl_i128)q[i];
        if (__builtin_add_overflow(total, prod, &total)) *overflow = 1;
    }
    return total;
}

/* Elementwise. Integer arithmetic goes through unsigned types so that it wraps (numpy's
 * semantics) without signed-overflow undefined behaviour. */
#define BINARY_LOOP(T, U)                                                                     \
    do {                                                                                      \
        const T *pa = a, *pb = b;                                                             \
        T *po = out;                                                                          \
        switch (op) {                                                                         \
        case PL_ADD:                                                                          \
            for (int64_t i = lo; i < hi; i++) po[i] = (T)((U)pa[i] + (U)pb[i]);               \
            break;                                                                            \
        case PL_SUB:                                                                          \
            for (int64_t i = lo; i < hi; i++) po[i] = (T)((U)pa[i] - (U)pb[i]);               \
            break;                                                                            \
        default:                                                                              \
            for (int64_t i = lo; i < hi; i++) po[i] = (T)((U)pa[i] * (U)pb[i]);               \
            break;                                                                            \
        }                                                                                     \
    } while (0)

static void k_binary(int dtype, int op, const void *a, const void *b, void *out, int64_t lo,
                     int64_t hi) {
    switch (dtype) {
    case PL_F64: BINARY_LOOP(double, double); break;
    case PL_F32: BINARY_LOOP(float, float); break;
    case PL_I64: BINARY_LOOP(int64_t, uint64_t); break;
    default: BINARY_LOOP(int32_t, uint32_t); break;
    }
}

static void k_scale(int dtype, const void *x, double af, int64_t ai, void *out, int64_t lo,
                    int64_t hi) {
    switch (dtype) {
    case PL_F64: {
        const double *p = x;
        double *o = out;
        for (int64_t i = lo; i < hi; i++) o[i] = af * p[i];
        break;
    }
    case PL_F32: {
        const float *p = x;
        float *o = out;
        float a = (float)af;
        for (int64_t i = lo; i < hi; i++) o[i] = a * p[i];
        break;
    }
    case PL_I64: {
        const int64_t *p = x;
        int64_t *o = out;
        for (int64_t i = lo; i < hi; i++) o[i] = (int64_t)((uint64_t)ai * (uint64_t)p[i]);
        break;
    }
    default: {
        const int32_t *p = x;
        int32_t *o = out;
        for (int64_t i = lo; i < hi; i++) o[i] = (int32_t)((uint32_t)ai * (uint32_t)p[i]);
        break;
    }
    }
}

static void k_axpy(int dtype, double af, int64_t ai, const void *x, void *y, int64_t lo,
                   int64_t hi) {
    switch (dtype) {
    case PL_F64: {
        const double *p = x;
        double *o = y;
        for (int64_t i = lo; i < hi; i++) o[i] = af * p[i] + o[i];
        break;
    }
    case PL_F32: {
        const float *p = x;
        float *o = y;
        float a = (float)af;
        for (int64_t i = lo; i < hi; i++) o[i] = a * p[i] + o[i];
        break;
    }
    case PL_I64: {
        const int64_t *p = x;
        int64_t *o = y;
        for (int64_t i = lo; i < hi; i++)
            o[i] = (int64_t)((uint64_t)ai * (uint64_t)p[i] + (uint64_t)o[i]);
        break;
    }
    default: {
        const int32_t *p = x;
        int32_t *o = y;
        for (int64_t i = lo; i < hi; i++)
            o[i] = (int32_t)((uint32_t)ai * (uint32_t)p[i] + (uint32_t)o[i]);
        break;
    }
    }
}

static void k_fill(int dtype, void *out, double vf, int64_t vi, int64_t lo, int64_t hi) {
    switch (dtype) {
    case PL_F64: {
        double *o = out;
        for (int64_t i = lo; i < hi; i++) o[i] = vf;
        break;
    }
    case PL_F32: {
        float *o = out;
        float v = (float)vf;
        for (int64_t i = lo; i < hi; i++) o[i] = v;
        break;
    }
    case PL_I64: {
        int64_t *o = out;
        for (int64_t i = lo; i < hi; i++) o[i] = vi;
        break;
    }
    default: {
        int32_t *o = out;
        int32_t v = (int32_t)vi;
        for (int64_t i = lo; i < hi; i++) o[i] = v;
        break;
    }
    }
}

/*
 * Sum of one slice x[a, b): the same 8 lanes as a block, restarted at a, then the lanes folded
 * in lane order as a double-double (TwoSum on the high parts, the errors and the lane
 * compensations added to the low part) and rounded once. A slice whose lanes are not finite
 * is summed exactly instead, as a block is.
 */
static double slice_fsum(int dtype, const void *x, int64_t a, int64_t b) {
    v8d s = {0}, c = {0};
    int64_t len = b - a, i = 0;
    for (; i + LANES <= len; i += LANES) {
        v8d v = load_as_f64(dtype, x, a + i);
        TWO_SUM(s, c, v);
    }
    double sl[LANES], cl[LANES];
    memcpy(sl, &s, sizeof s);
    memcpy(cl, &c, sizeof c);
    for (int l = 0; i < len; i++, l++) {
        double v = elem_as_f64(dtype, x, a + i);
        TWO_SUM(sl[l], cl[l], v);
    }
    if (!lanes_finite(sl, cl)) {
        pl_acc acc;
        pl_acc_init(&acc);
        for (i = 0; i < len; i++) pl_acc_add_term(&acc, elem_as_f64(dtype, x, a + i));
        double r;
        pl_acc_round(&acc, &r);
        return r;
    }
    double hi = sl[0], lo = cl[0];
    for (int l = 1; l < LANES; l++) {
        double t = hi + sl[l];
        double z = t - hi;
        double e = (hi - (t - z)) + (sl[l] - z);
        hi = t;
        lo += e + cl[l];
    }
    return hi + lo;
}

/* min/max of one float slice with the same NaN and signed-zero rules as the full reduction. */
static double slice_fext(int dtype, int op, const void *x, int64_t a, int64_t b) {
    double r = elem_as_f64(dtype, x, a);
    int nan = r != r;
    for (int64_t i = a + 1; i < b; i++) {
        double v = elem_as_f64(dtype, x, i);
        nan |= v != v;
        if (op == PL_MIN ? v < r : v > r) r = v;
    }
    if (nan) return NAN;
    if (r == 0) {
        /* min is -0 if any -0 is present; max is +0 if any +0 is present. */
        int want_neg = op == PL_MIN;
        for (int64_t i = a; i < b; i++) {
            double v = elem_as_f64(dtype, x, i);
            if (v == 0 && (signbit(v) != 0) == want_neg) return v;
        }
    }
    return r;
}

static int k_slice(int dtype, int op, const void *x, int64_t a, int64_t b, void *out,
                   int64_t j) {
    int64_t len = b - a;
    if (pl_dtype_is_float(dtype)) {
        if (op == PL_SUM || op == PL_MEAN) {
            double s = slice_fsum(dtype, x, a, b);
            ((double *)out)[j] = op == PL_SUM ? s : s / (double)len;
        } else {
            double r = slice_fext(dtype, op, x, a, b);
            if (dtype == PL_F64)
                ((double *)out)[j] = r;
            else
                ((float *)out)[j] = (float)r;
        }
        return PL_OK;
    }
    if (op == PL_SUM || op == PL_MEAN) {
        pl_i128 s = k_isum(dtype, x, a, b);
        if (op == PL_MEAN) {
            ((double *)out)[j] = (double)s / (double)len;
        } else {
            if (s > INT64_MAX || s < INT64_MIN) return PL_E_OVERFLOW;
            ((int64_t *)out)[j] = (int64_t)s;
        }
        return PL_OK;
    }
    int64_t r = k_iext(dtype, op, x, a, b);
    if (dtype == PL_I64)
        ((int64_t *)out)[j] = r;
    else
        ((int32_t *)out)[j] = (int32_t)r;
    return PL_OK;
}

/* Bandwidth probe: four vectors of eight plain accumulators, no compensation. */
static double k_probe(const double *x, int64_t lo, int64_t hi) {
    v8d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    int64_t i = lo;
    for (; i + 4 * LANES <= hi; i += 4 * LANES) {
        a0 += load_f64(x + i);
        a1 += load_f64(x + i + LANES);
        a2 += load_f64(x + i + 2 * LANES);
        a3 += load_f64(x + i + 3 * LANES);
    }
    v8d a = (a0 + a1) + (a2 + a3);
    double s = 0;
    for (int l = 0; l < LANES; l++) s += a[l];
    for (; i < hi; i++) s += x[i];
    return s;
}

#define PL_STR2(x) #x
#define PL_STR(x) PL_STR2(x)

const pl_impl PL_IMPL_NAME = {
    .name = PL_STR(PL_IMPL_NAME),
    .sum = k_sum,
    .dot = k_dot,
    .var = k_var,
    .fext = k_fext,
    .iext = k_iext,
    .isum = k_isum,
    .idot = k_idot,
    .binary = k_binary,
    .scale = k_scale,
    .axpy = k_axpy,
    .fill = k_fill,
    .slice = k_slice,
    .probe = k_probe,
};
