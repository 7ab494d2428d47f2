/*
 * Single-threaded range kernels, compiled once per SIMD level (PL_IMPL_NAME names the table).
 *
 * Every floating-point reduction is written over GCC generic vectors of the machine's width
 * (2, 4 or 8 doubles): the 8 accurate lanes are 4 SSE2, 2 AVX2 or 1 AVX-512 vector(s), the 32
 * fast lanes 16, 8 or 4. The arithmetic is lane-wise IEEE double with fused multiply-add
 * contraction off (-ffp-contract=off), so each level performs the same roundings in the same
 * order and returns the same bits. The scalar tails below continue the same lanes, and the Java
 * implementation mirrors them one to one.
 */
#include "impl.h"

#include <math.h>
#include <string.h>
#include <immintrin.h>

#ifndef PL_IMPL_NAME
#error "PL_IMPL_NAME must name the table this compilation defines"
#endif

/* Native vector width of this level; the 8 lanes are NV vectors of VL doubles. Vector k,
 * element j is lane k*VL + j, so every level assigns elements to lanes identically. Keeping
 * each vector at the machine's width lets the compiler hold the lanes in registers (64-byte
 * generic vectors on AVX2 or SSE2 are lowered through the stack). */
#if defined(__AVX512F__)
#define VBYTES 64
#elif defined(__AVX2__)
#define VBYTES 32
#else
#define VBYTES 16
#endif
#define LANES PL_LANES
#define VL (VBYTES / 8)
#define NV (LANES / VL)
/* Fast-mode sums and dots use 32 lanes: enough independent accumulators to hide the add
 * latency at every level (8 AVX2 registers), so they run at load speed in cache. */
#define FAST_LANES PL_FAST_LANES
#define NVF (FAST_LANES / VL)
/*
 * Software prefetch of data read once into registers, PREFETCH_BYTES ahead. The hint is
 * locality 3 (prefetcht0), not the non-temporal 0 (prefetchnta): on a 16-core Intel Xeon and a
 * 2-core Intel Xeon, nta throttled the accurate sum to 0.35-0.5 of the memory bandwidth (2
 * threads, 2^24: 11.7 GB/s with nta, 44.8 with t0, probe 54; 16 threads, 2^24: 54 vs 170, the
 * probe's level). On this project's 2-core AMD EPYC (Zen 5) nta is the faster one from memory
 * (2 threads, 2^26: 51-53 GB/s against 43-44 with t0; 2^20: 76 vs 80), but t0 loses less there
 * than nta loses on Intel, so t0 is the one hint that is safe on both.
 * The distance, on the 16-core Xeon (accurate sum / read probe, the two alternated call by call,
 * two rounds): 16 threads at 2^26, 0.95 and 0.94 at 4096 bytes, 0.95 and 0.90 at 1024, 0.80
 * and 0.72 with none; one thread at 2^24, 0.86 and 0.84, 0.78 and 0.76, 0.62 and 0.54; 16
 * threads at 2^24 (in its L3) 0.91-1.02 for all three. Slices of 64 and variance follow.
 */
#ifndef PREFETCH_LOCALITY
#define PREFETCH_LOCALITY 3
#endif
#ifndef PREFETCH_BYTES
#define PREFETCH_BYTES 4096
#endif

typedef double vd __attribute__((vector_size(VBYTES)));
typedef float vfl __attribute__((vector_size(VBYTES / 2)));
typedef int64_t vl __attribute__((vector_size(VBYTES)));
typedef int32_t vin __attribute__((vector_size(VBYTES / 2)));

/* VL floats widened to doubles, and VL int32 sign-extended to 64-bit lanes: one instruction
 * per vector at the AVX levels. GCC 12 lowers __builtin_convertvector's widening through halves
 * and shuffles there (AVX-512: two 256-bit conversions, an extract and an insert per 8 elements;
 * AVX2: four 128-bit conversions per 4), which made the i32 sum compute-bound: at 2^17 on one
 * thread of the 2-core AMD VM it read 56 GB/s against the i64 sum's 107. */
static inline vd load_f32_as_f64(const float *p) {
#if defined(__AVX512F__)
    return (vd)_mm512_cvtps_pd(_mm256_loadu_ps(p));
#elif defined(__AVX2__)
    return (vd)_mm256_cvtps_pd(_mm_loadu_ps(p));
#else
    vfl f;
    memcpy(&f, p, sizeof f);
    return __builtin_convertvector(f, vd);
#endif
}

static inline vl load_i32_as_i64(const int32_t *p) {
#if defined(__AVX512F__)
    return (vl)_mm512_cvtepi32_epi64(_mm256_loadu_si256((const __m256i *)p));
#elif defined(__AVX2__)
    return (vl)_mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)p));
#else
    vin v;
    memcpy(&v, p, sizeof v);
    return __builtin_convertvector(v, vl);
#endif
}

/* The products of lanes that hold sign-extended int32 values: exact in 64 bits. At the AVX
 * levels one signed 32x32->64 multiply (vpmuldq) per vector, not a 64-bit multiply (3 operations
 * as vpmullq on Intel, emulated on AVX2). */
static inline vl mul_i32_lanes(vl a, vl b) {
#if defined(__AVX512F__)
    return (vl)_mm512_mul_epi32((__m512i)a, (__m512i)b);
#elif defined(__AVX2__)
    return (vl)_mm256_mul_epi32((__m256i)a, (__m256i)b);
#else
    return a * b;
#endif
}

/* Loads VL elements of a float dtype as doubles (f32 widens exactly). */
static inline vd load_as_f64(int dtype, const void *x, int64_t i) {
    vd v;
    if (dtype == PL_F64)
        memcpy(&v, (const double *)x + i, sizeof v);
    else
        v = load_f32_as_f64((const float *)x + i);
    return v;
}

static inline double elem_as_f64(int dtype, const void *x, int64_t i) {
    return dtype == PL_F64 ? ((const double *)x)[i] : (double)((const float *)x)[i];
}

/* a * b - p with one rounding, lane-wise: one instruction with FMA, else glibc's correctly
 * rounded fma per lane. */
#if defined(__AVX512F__) || defined(__FMA__)
#define VECTOR_FMA 1
#else
#define VECTOR_FMA 0
#endif
static inline vd fms(vd a, vd b, vd p) {
#if defined(__AVX512F__)
    return (vd)_mm512_fmsub_pd((__m512d)a, (__m512d)b, (__m512d)p);
#elif defined(__FMA__)
    return (vd)_mm256_fmsub_pd((__m256d)a, (__m256d)b, (__m256d)p);
#else
    vd r;
    for (int l = 0; l < VL; l++) r[l] = fma(a[l], b[l], -p[l]);
    return r;
#endif
}

/* Spills NV vectors to 8 lane values. */
static inline void store_lanes(double *out, const vd *v) {
    for (int k = 0; k < NV; k++) memcpy(out + k * VL, &v[k], sizeof v[k]);
}

/*
 * Knuth's TwoSum: t = s + x and the exact rounding error of that addition, which goes to the
 * lane's compensation c. Six additions, no branch and no magnitude test, so it is exact for
 * any order of magnitudes (Kahan's variant is not when |x| > |s|). The only rounding left in a
 * lane is the accumulation of the errors into c, which is what makes the bound in
 * docs/ACCURACY.md eps*|S| + n*eps^2*sum|x| rather than n*eps*sum|x|.
 *
 * On vectors, three of those additions (and the deviation x - c of the variance) run as fused
 * multiply-adds by +1 or -1: fma(a, 1, b) is a + b rounded once, the same bits for every
 * operand but a NaN (infinities and signed zeros included; of two NaNs the fma may return the
 * other, or flip a NaN's sign, which no result shows: a lane that is not finite sends its block
 * to the exact path), but it issues to the multiply-add units. AMD Zen has two add and two
 * multiply-add units, and TwoSum alone kept the add units full and the others idle; Intel's
 * AVX-512 cores issue both kinds to the same two units, so there the mix should be neutral (not
 * yet measured: no Intel machine was lent in the stop that made it). The two on the
 * loop-carried chains (t = s + x, c += e) stay additions, an add having the shorter latency on
 * Zen, and so do t - s and t - z: an FMA overwrites one of its operands, and their operands are
 * still needed after them (as the FMA form of t - s, the loop took 7 register copies per step
 * of the variance instead of 4). Measured on the 2-core AMD EPYC (Zen 5, AVX-512), libraries
 * alternated (tools/lib-ab.c), GB/s: accurate sum of 2^17 on one thread 62 -> 80-88, its
 * variance 20 -> 27; the variance of 2^24 on two threads 0.40-0.43 -> 0.44-0.45 of the probe.
 */
#if VECTOR_FMA
static inline vd fma_one(vd a, vd b, double sign) {
    vd k = (vd){0} + sign;
    __asm__("" : "+v"(k)); /* keeps GCC from folding the product by +-1 back into an add */
#if defined(__AVX512F__)
    return (vd)_mm512_fmadd_pd((__m512d)a, (__m512d)k, (__m512d)b);
#else
    return (vd)_mm256_fmadd_pd((__m256d)a, (__m256d)k, (__m256d)b);
#endif
}
static inline vd vsub_f(vd a, vd b) { return fma_one(b, a, -1.0); }
static inline vd vadd_f(vd a, vd b) { return fma_one(a, b, 1.0); }
#else
static inline vd vsub_f(vd a, vd b) { return a - b; }
static inline vd vadd_f(vd a, vd b) { return a + b; }
#endif
static inline double ssub_f(double a, double b) { return a - b; }
static inline double sadd_f(double a, double b) { return a + b; }
#define SUB_F(a, b) _Generic((a), vd: vsub_f, default: ssub_f)(a, b)
#define ADD_F(a, b) _Generic((a), vd: vadd_f, default: sadd_f)(a, b)
#define TWO_SUM(s, c, x)                                                                      \
    do {                                                                                      \
        __typeof__(s) t_ = (s) + (x);                                                         \
        __typeof__(s) z_ = t_ - (s);                                                          \
        (c) += ADD_F(SUB_F((s), t_ - z_), SUB_F((x), z_));                                    \
        (s) = t_;                                                                             \
    } while (0)

/*
 * A block's partial: its 8 lanes folded into a double-double (hi, lo) by a fixed pairwise tree.
 * Accurate mode: at each of the 3 levels, pairs of high parts go through TwoSum and the low
 * parts (lane compensations, then folded errors) are added to the pair's error; a tree keeps the
 * dependency chain 3 TwoSums deep instead of 7, which matters for short slices. Fast mode: the
 * same tree of plain sums, lo = 0. The partials of all blocks are then summed exactly; a single
 * block's exact sum rounded once is simply hi + lo.
 */
/* One pair of the fold: TwoSum of the high parts, the low parts and the error into l. Works on
 * doubles and on vectors alike (lane-wise). */
#define FOLD_PAIR(ha, la, hb, lb, h, l)                                                       \
    do {                                                                                      \
        __typeof__(ha) t_ = (ha) + (hb);                                                      \
        __typeof__(ha) z_ = t_ - (ha);                                                        \
        __typeof__(ha) e_ = ((ha) - (t_ - z_)) + ((hb) - z_);                                 \
        (l) = ((la) + (lb)) + e_;                                                             \
        (h) = t_;                                                                             \
    } while (0)

/* The accurate fold's tree on 8 (s, c) lane pairs of any type T, into (*hi, *lo). */
#define FOLD_TREE(T, s, c, hi, lo)                                                            \
    do {                                                                                      \
        T h0, l0, h1, l1, h2, l2, h3, l3;                                                     \
        FOLD_PAIR(s[0], c[0], s[1], c[1], h0, l0);                                            \
        FOLD_PAIR(s[2], c[2], s[3], c[3], h1, l1);                                            \
        FOLD_PAIR(s[4], c[4], s[5], c[5], h2, l2);                                            \
        FOLD_PAIR(s[6], c[6], s[7], c[7], h3, l3);                                            \
        FOLD_PAIR(h0, l0, h1, l1, h0, l0);                                                    \
        FOLD_PAIR(h2, l2, h3, l3, h2, l2);                                                    \
        FOLD_PAIR(h0, l0, h2, l2, h0, l0);                                                    \
        *(hi) = h0;                                                                           \
        *(lo) = l0;                                                                           \
    } while (0)

static void fold(int mode, const double *s, const double *c, double *hi_out, double *lo_out) {
    if (mode == PL_FAST) {
        *hi_out = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
        *lo_out = 0;
        return;
    }
    /* Written out so that every value stays in a register; the order is the loop
     * "for each level, for j: TwoSum(h[2j], h[2j+1]); l[j] = (l[2j] + l[2j+1]) + error". */
    FOLD_TREE(double, s, c, hi_out, lo_out);
}

/*
 * Fast mode's block value: the 32 lane sums added in a fixed pairwise tree, in place. (Written
 * out in 31 locals instead, as the Java twin is, it saved 2 ns of a fast sum of 16 doubles on
 * Zen 5 and cost 4.7x on the 16-core Xeon: one thread, n = 2^8, 9.4 GB/s against 44.3, 2^10 33
 * against 116. Keep this form unless both vendors are measured.)
 */
static double tree32(double *l) {
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) l[j] = l[2 * j] + l[2 * j + 1];
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++) l[j] = l[2 * j] + l[2 * j + 1];
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

/* A fast-mode block of a sum (y == NULL) or a dot: lane l takes elements l, l+32, ... */
static double fast_block(int dtype, const void *x, const void *y, int64_t b, int64_t len) {
    vd a[NVF] = {{0}};
    int64_t i = 0;
    if (y == NULL) {
        for (; i + FAST_LANES <= len; i += FAST_LANES)
            for (int k = 0; k < NVF; k++) a[k] += load_as_f64(dtype, x, b + i + k * VL);
    } else {
        for (; i + FAST_LANES <= len; i += FAST_LANES)
            for (int k = 0; k < NVF; k++)
                a[k] += load_as_f64(dtype, x, b + i + k * VL) * load_as_f64(dtype, y, b + i + k * VL);
    }
    double l[FAST_LANES];
    for (int k = 0; k < NVF; k++) memcpy(l + k * VL, &a[k], sizeof a[k]);
    if (y == NULL && dtype == PL_F64) {
        const double *p = (const double *)x + b;
        for (int j = 0; i < len; i++, j++) l[j] += p[i];
    } else {
        for (int j = 0; i < len; i++, j++)
            l[j] += y == NULL ? elem_as_f64(dtype, x, b + i)
                              : elem_as_f64(dtype, x, b + i) * elem_as_f64(dtype, y, b + i);
    }
    return tree32(l);
}

/* Folds the lanes and adds the partial to acc; 0 (and nothing added) if it is not finite. */
static int fold_to_acc(int mode, const double *s, const double *c, pl_acc *acc) {
    double hi, lo;
    /* The fold only adds, so it is finite exactly when every lane value is: one check. */
    fold(mode, s, c, &hi, &lo);
    if (!isfinite(hi) || !isfinite(lo)) return 0;
    pl_acc_add_term(acc, hi);
    pl_acc_add_term(acc, lo);
    return 1;
}

/* The last k - i (< LANES) elements of x[a, a + k) into the lanes (s, c), element i in lane 0. */
static inline __attribute__((always_inline)) void lanes_tail(int dtype, const void *x, int64_t a, int64_t i,
                                                             int64_t k, vd *s, vd *c) {
    if (i >= k) return;
    double sl[LANES], cl[LANES];
    store_lanes(sl, s);
    store_lanes(cl, c);
    for (int l = 0; i < k; i++, l++) {
        double v = elem_as_f64(dtype, x, a + i);
        TWO_SUM(sl[l], cl[l], v);
    }
    for (int m = 0; m < NV; m++) {
        s[m] = load_as_f64(PL_F64, sl, m * VL);
        c[m] = load_as_f64(PL_F64, cl, m * VL);
    }
}

/* The 8 TwoSum lanes of the accurate sum of x[a, a + k), k <= PL_BLOCK, in NV vectors each:
 * element i goes to lane i % LANES. */
static inline __attribute__((always_inline)) void accurate_lanes(int dtype, const void *x, int64_t a,
                                                                 int64_t k, vd *s_out, vd *c_out) {
    vd s[NV], c[NV]; /* locals, in registers: through the out pointers each step went to memory */
    for (int m = 0; m < NV; m++) s[m] = c[m] = (vd){0};
    const int64_t sz = dtype == PL_F64 ? 8 : 4;
    const char *base = (const char *)x + a * sz;
    int64_t i = 0;
    for (; i + LANES <= k; i += LANES) {
        /* TwoSum keeps the add ports busy, so the hardware prefetcher alone falls behind when
         * streaming from memory: fetch ahead explicitly (a hint: it never faults). */
        __builtin_prefetch(base + i * sz + PREFETCH_BYTES, 0, PREFETCH_LOCALITY);
        for (int m = 0; m < NV; m++) {
            vd v = load_as_f64(dtype, x, a + i + m * VL);
            TWO_SUM(s[m], c[m], v);
        }
    }
    lanes_tail(dtype, x, a, i, k, s, c);
    for (int m = 0; m < NV; m++) {
        s_out[m] = s[m];
        c_out[m] = c[m];
    }
}

/* accurate_lanes of two runs, x[a, a + k) and x[b, b + k), their steps interleaved: twice the
 * independent TwoSum chains, each run's the same operations in the same order. */
static inline __attribute__((always_inline)) void accurate_lanes2(int dtype, const void *x, int64_t a,
                                                                  int64_t b, int64_t k, vd *sa_out,
                                                                  vd *ca_out, vd *sb_out, vd *cb_out) {
    vd sa[NV], ca[NV], sb[NV], cb[NV];
    for (int m = 0; m < NV; m++) sa[m] = ca[m] = sb[m] = cb[m] = (vd){0};
    int64_t i = 0;
    for (; i + LANES <= k; i += LANES) { /* no prefetch: its callers' data is in cache */
        for (int m = 0; m < NV; m++) {
            vd u = load_as_f64(dtype, x, a + i + m * VL), v = load_as_f64(dtype, x, b + i + m * VL);
            TWO_SUM(sa[m], ca[m], u);
            TWO_SUM(sb[m], cb[m], v);
        }
    }
    lanes_tail(dtype, x, a, i, k, sa, ca);
    lanes_tail(dtype, x, b, i, k, sb, cb);
    for (int m = 0; m < NV; m++) {
        sa_out[m] = sa[m];
        ca_out[m] = ca[m];
        sb_out[m] = sb[m];
        cb_out[m] = cb[m];
    }
}

/* The lanes of one block (len <= PL_BLOCK) of a float sum; lane l takes elements l, l+8, ... */
static void sum_lanes(int dtype, int mode, const void *x, int64_t b, int64_t len, double *sl, double *cl) {
    vd s[NV] = {{0}}, c[NV] = {{0}};
    int64_t i = 0;
    if (mode == PL_ACCURATE) {
        accurate_lanes(dtype, x, b, len, s, c);
        store_lanes(sl, s);
        store_lanes(cl, c);
        return;
    }
    for (; i + LANES <= len; i += LANES)
        for (int k = 0; k < NV; k++) s[k] += load_as_f64(dtype, x, b + i + k * VL);
    store_lanes(sl, s);
    store_lanes(cl, c);
    for (int l = 0; i < len; i++, l++) sl[l] += elem_as_f64(dtype, x, b + i);
}

/* A fast-mode block of a sum into acc: its value, or, when that is not finite, its terms one
 * by one, exactly. (A dot's block: dot_block.) */
static void fast_block_to_acc(int dtype, const void *x, int64_t b, int64_t len, pl_acc *acc) {
    double v = fast_block(dtype, x, NULL, b, len);
    if (isfinite(v)) {
        pl_acc_add_term(acc, v);
        return;
    }
    for (int64_t i = 0; i < len; i++) pl_acc_add_term(acc, elem_as_f64(dtype, x, b + i));
}

static void sum_block(int dtype, int mode, const void *x, int64_t b, int64_t len, pl_acc *acc) {
    if (mode == PL_FAST) {
        fast_block_to_acc(dtype, x, b, len, acc);
        return;
    }
    double sl[LANES], cl[LANES];
    sum_lanes(dtype, mode, x, b, len, sl, cl);
    if (!fold_to_acc(mode, sl, cl, acc)) {
        /* An infinity, a NaN or an overflow inside a lane: add this block's terms exactly,
         * so finite overflow in a lane cannot turn into a wrong infinity. */
        for (int64_t i = 0; i < len; i++) pl_acc_add_term(acc, elem_as_f64(dtype, x, b + i));
    }
}

/*
 * Accurate sums of whole blocks, GROUP blocks at a time. The 8 TwoSum lanes of a block are NV
 * dependency chains (each step waits for the previous s), which leaves the add units idle most
 * of the time in cache; interleaving GROUP blocks, each with its own lanes in registers, gives
 * GROUP * NV independent chains. Every block still performs its own lanes' operations in its
 * own order, so its partial, and the result, keep their bits. GROUP * NV = 4 chains: 4 AVX-512
 * blocks, 2 AVX2 blocks, or 1 SSE2 block (already 4 vectors); more spills registers on AVX2.
 *
 * Only for ranges of at most GROUP_MAX_BYTES, which caches hold: from memory a core waits for
 * data, not for its chains, and GROUP streams 32 KiB apart stream worse than one. Measured on
 * a 2-core AMD EPYC (Zen 5, AVX-512), one thread, GB/s: 4 blocks interleaved against one at a
 * time, 58 vs 44 at 2^17 elements, 56 vs 45 at 2^20, 45 vs 41 at 2^22, but 32 vs 40 at 2^23
 * and 28 vs 35 at 2^24; from 2^25 both about 26 (DRAM).
 */
#define GROUP (4 / NV > 0 ? 4 / NV : 1)
#define GROUP_MAX_BYTES ((int64_t)16 << 20)

/* G (a constant after inlining, at most GROUP) whole blocks from b, interleaved: each block's
 * partial into acc, or, when pairs is not NULL, as hi, lo into pairs[2g], pairs[2g + 1] (0 when
 * one is not finite: the caller then takes the accumulator). */
static inline __attribute__((always_inline)) int sum_group(int G, int dtype, const void *x,
                                                           int64_t b, pl_acc *acc, double *pairs) {
    vd s[GROUP][NV], c[GROUP][NV];
    for (int g = 0; g < G; g++)
        for (int k = 0; k < NV; k++) s[g][k] = c[g][k] = (vd){0};
    const int64_t sz = dtype == PL_F64 ? 8 : 4;
    const char *base = (const char *)x + b * sz;
    for (int64_t i = 0; i < PL_BLOCK; i += LANES) {
        for (int g = 0; g < G; g++) {
            __builtin_prefetch(base + (g * PL_BLOCK + i) * sz + PREFETCH_BYTES, 0, PREFETCH_LOCALITY);
            for (int k = 0; k < NV; k++) {
                vd v = load_as_f64(dtype, x, b + g * PL_BLOCK + i + k * VL);
                TWO_SUM(s[g][k], c[g][k], v);
            }
        }
    }
    for (int g = 0; g < G; g++) {
        double sl[LANES], cl[LANES];
        store_lanes(sl, s[g]);
        store_lanes(cl, c[g]);
        if (pairs) {
            fold(PL_ACCURATE, sl, cl, &pairs[2 * g], &pairs[2 * g + 1]);
            if (!isfinite(pairs[2 * g]) || !isfinite(pairs[2 * g + 1])) return 0;
            continue;
        }
        if (!fold_to_acc(PL_ACCURATE, sl, cl, acc)) {
            int64_t start = b + g * PL_BLOCK; /* not finite in a lane: this block's terms, exactly */
            for (int64_t i = 0; i < PL_BLOCK; i++) pl_acc_add_term(acc, elem_as_f64(dtype, x, start + i));
        }
    }
    return 1;
}

static void k_sum(int dtype, int mode, const void *x, int64_t lo, int64_t hi, pl_acc *acc) {
    int64_t b = lo;
    if (mode == PL_ACCURATE && GROUP > 1 && (hi - lo) * (dtype == PL_F64 ? 8 : 4) <= GROUP_MAX_BYTES) {
        for (; b + GROUP * PL_BLOCK <= hi; b += GROUP * PL_BLOCK) sum_group(GROUP, dtype, x, b, acc, NULL);
        if (GROUP > 2 && b + 2 * PL_BLOCK <= hi) {
            sum_group(2, dtype, x, b, acc, NULL);
            b += 2 * PL_BLOCK;
        }
    }
    for (; b < hi; b += PL_BLOCK) {
        int64_t len = hi - b < PL_BLOCK ? hi - b : PL_BLOCK;
        sum_block(dtype, mode, x, b, len, acc);
    }
}

/* The partial of a sum of at most one block without the accumulator: 1 and out[0], out[1] =
 * hi, lo when it is finite (what the block adds to an accumulator; hi + lo is its exact sum
 * rounded once), 0 when the caller must take the exact path. */
static int k_sum_small(int dtype, int mode, const void *x, int64_t n, double *out) {
    if (mode == PL_FAST) {
        double v = fast_block(dtype, x, NULL, 0, n);
        out[0] = v + 0.0;
        out[1] = 0.0;
        return isfinite(v);
    }
    double sl[LANES], cl[LANES], hi, lo;
    sum_lanes(dtype, mode, x, 0, n, sl, cl);
    fold(mode, sl, cl, &hi, &lo);
    if (!isfinite(hi) || !isfinite(lo)) return 0;
    out[0] = hi;
    out[1] = lo;
    return 1;
}

/* Accurate k_sum_small of two runs at once, x[a, a + na) and x[b, b + nb) (each at most a
 * block): their rows interleaved while both have rows (twice the independent TwoSum chains),
 * each run's lanes taking the same operations in the same order as alone. Bit 0 of the result
 * is set when the first run's partial is finite (then in pa[0], pa[1]), bit 1 for the second's
 * (pb); a run whose bit is clear takes the exact path, as k_sum_small's caller does. For
 * pl_reduceat's ragged slices, whose lengths differ: on the 2-core AMD EPYC (Zen 4), 2^17
 * doubles in slices of 1 to 127, one thread, 42 ns a slice one at a time. */
static int k_sum_small2(int dtype, const void *x, int64_t a, int64_t na, int64_t b, int64_t nb, double *pa,
                        double *pb) {
    vd sa[NV], ca[NV], sb[NV], cb[NV];
    for (int m = 0; m < NV; m++) sa[m] = ca[m] = sb[m] = cb[m] = (vd){0};
    const int64_t ra = na - na % LANES, rb = nb - nb % LANES, both = ra < rb ? ra : rb;
    /* Fetched ahead as accurate_lanes does: inputs up to 16 MiB (slices.c) may still come from
     * memory where caches are smaller than here. */
    const int64_t sz = dtype == PL_F64 ? 8 : 4;
    const char *pa_ = (const char *)x + a * sz + PREFETCH_BYTES, *pb_ = (const char *)x + b * sz + PREFETCH_BYTES;
    int64_t i = 0;
    for (; i < both; i += LANES) {
        __builtin_prefetch(pa_ + i * sz, 0, PREFETCH_LOCALITY);
        __builtin_prefetch(pb_ + i * sz, 0, PREFETCH_LOCALITY);
        for (int m = 0; m < NV; m++) {
            vd u = load_as_f64(dtype, x, a + i + m * VL), v = load_as_f64(dtype, x, b + i + m * VL);
            TWO_SUM(sa[m], ca[m], u);
            TWO_SUM(sb[m], cb[m], v);
        }
    }
    for (int64_t j = i; j < ra; j += LANES) {
        __builtin_prefetch(pa_ + j * sz, 0, PREFETCH_LOCALITY);
        for (int m = 0; m < NV; m++) {
            vd u = load_as_f64(dtype, x, a + j + m * VL);
            TWO_SUM(sa[m], ca[m], u);
        }
    }
    for (int64_t j = i; j < rb; j += LANES) {
        __builtin_prefetch(pb_ + j * sz, 0, PREFETCH_LOCALITY);
        for (int m = 0; m < NV; m++) {
            vd v = load_as_f64(dtype, x, b + j + m * VL);
            TWO_SUM(sb[m], cb[m], v);
        }
    }
    lanes_tail(dtype, x, a, ra, na, sa, ca);
    lanes_tail(dtype, x, b, rb, nb, sb, cb);
    double sl[LANES], cl[LANES];
    int ok = 0;
    store_lanes(sl, sa);
    store_lanes(cl, ca);
    fold(PL_ACCURATE, sl, cl, &pa[0], &pa[1]);
    ok |= isfinite(pa[0]) && isfinite(pa[1]);
    store_lanes(sl, sb);
    store_lanes(cl, cb);
    fold(PL_ACCURATE, sl, cl, &pb[0], &pb[1]);
    ok |= (isfinite(pb[0]) && isfinite(pb[1])) << 1;
    return ok;
}

/* The partials of the blocks of [lo, hi) (lo block-aligned, at most a few blocks, which caches
 * hold), as k_sum computes them (accurate blocks interleaved), into pairs[0, 2 * blocks): hi, lo
 * per block; 0 when one is not finite (the caller then takes the accumulator). */
static int k_sum_pairs(int dtype, int mode, const void *x, int64_t lo, int64_t hi, double *pairs) {
    int64_t b = lo;
    double *p = pairs;
    if (mode == PL_ACCURATE && GROUP > 1) {
        for (; b + GROUP * PL_BLOCK <= hi; b += GROUP * PL_BLOCK, p += 2 * GROUP)
            if (!sum_group(GROUP, dtype, x, b, NULL, p)) return 0;
        if (GROUP > 2 && b + 2 * PL_BLOCK <= hi) {
            if (!sum_group(2, dtype, x, b, NULL, p)) return 0;
            b += 2 * PL_BLOCK;
            p += 4;
        }
    }
    const int64_t sz = dtype == PL_F64 ? 8 : 4;
    for (; b < hi; b += PL_BLOCK, p += 2) {
        int64_t len = hi - b < PL_BLOCK ? hi - b : PL_BLOCK;
        if (!k_sum_small(dtype, mode, (const char *)x + b * sz, len, p)) return 0;
    }
    return 1;
}

/*
 * Dot, accurate mode (Ogita-Rump-Oishi Dot2 in lanes): p = x*y rounded, e = x*y - p exactly by
 * a fused multiply-subtract, p goes through TwoSum and e joins the compensation. f32 products
 * are exact in double, so e is 0 and skipped.
 *
 * e is exact only while x*y - p is a multiple of 2^-1074, which holds when |x*y| > 2^-969 (the
 * exponents of x and y then add up to at least -970, so the product's last bit is at or above
 * 2^-1074) or when a factor is zero. A block holding a "tiny" product, 0 < |x*y| < 2^-968 (e
 * would be rounded, or p and e flushed to zero), or whose lanes are not finite (an infinite or
 * NaN factor, a product or a lane that overflowed), adds its exact products to the accumulator
 * one by one instead. The decision depends on the block's data only.
 *
 * The test must not slow the lanes, which keep every vector unit busy: a compare or a minimum
 * per vector cost 10 to 25% on AVX2 and AVX-512 (Zen 5), and a zero factor, common in real
 * data, must not count. So it is made of multiplies and a little integer work: w =
 * (x 2^553)(y 2^553), exactly x*y 2^1106 for any product that matters (a tiny product has
 * both |x|, |y| < 2^106), is tiny exactly when 0 < |w| < 2^138 (TINY_W): a zero factor gives
 * 0 (or NaN, 0 times an overflowed factor), a larger product 2^138 or more (or infinity), and
 * the smallest nonzero product 2^-1042, whose bit pattern is 2^32. So the test reads the high
 * 32 bits of |w| only, two vectors at a time: 0 < high < 0x48900000. (A product just below
 * 2^-968 may round w up to 2^138 and not count: its e is exact anyway.) AVX-512 keeps instead
 * the unsigned minimum of |w|'s bits minus 1, one instruction per vector.
 */
#define TINY_SCALE 0x1p553
#define TINY_W 0x1p138
#define TINY_W_HIGH 0x48900000 /* the high 32 bits of 2^138's bit pattern (the low ones are 0) */

/* Whether a product is tiny, as the lanes test it (the scalar tails and the exact path). */
static inline int tiny_product(double u, double v) {
    double w = (u * TINY_SCALE) * (v * TINY_SCALE);
    return w != 0 && fabs(w) < TINY_W;
}

#if defined(__AVX512F__)
typedef __m512i tiny_acc; /* min over lanes of |w|'s bits - 1, unsigned */
static inline tiny_acc tiny_init(void) { return _mm512_set1_epi64(-1); }
static inline tiny_acc tiny_add(tiny_acc a, const vd *w) {
    __m512i bits = _mm512_and_si512((__m512i)w[0], _mm512_set1_epi64(INT64_MAX));
    return _mm512_min_epu64(a, _mm512_sub_epi64(bits, _mm512_set1_epi64(1)));
}
static inline int tiny_seen(tiny_acc a) {
    /* bits(|w|) - 1 < bits(2^138) - 1: 0 < |w| < 2^138 */
    return _mm512_cmplt_epu64_mask(a, _mm512_set1_epi64(0x4890000000000000LL - 1)) != 0;
}
#elif defined(__AVX2__)
typedef __m256i tiny_acc; /* min over 32-bit lanes of high(|w|) - 1, unsigned */
static inline tiny_acc tiny_init(void) { return _mm256_set1_epi32(-1); }
/* The high halves of |w| of two vectors at once (a shuffle takes the odd 32-bit words). */
static inline tiny_acc tiny_add(tiny_acc a, const vd *w) {
    __m256i h = _mm256_castps_si256(_mm256_shuffle_ps((__m256)w[0], (__m256)w[1], 0xDD));
    h = _mm256_sub_epi32(_mm256_and_si256(h, _mm256_set1_epi32(0x7FFFFFFF)), _mm256_set1_epi32(1));
    return _mm256_min_epu32(a, h);
}
static inline int tiny_seen(tiny_acc a) {
    /* 0 < high < TINY_W_HIGH as high - 1 < TINY_W_HIGH - 1, unsigned: the minimum decides */
    __m256i lt = _mm256_cmpeq_epi32(_mm256_min_epu32(a, _mm256_set1_epi32(TINY_W_HIGH - 2)), a);
    return _mm256_movemask_epi8(lt) != 0;
}
#else
typedef int32_t vi32 __attribute__((vector_size(VBYTES)));
typedef uint32_t vu32 __attribute__((vector_size(VBYTES)));
typedef vi32 tiny_acc; /* all ones in a 32-bit lane that saw a tiny product */
static inline tiny_acc tiny_init(void) { return (tiny_acc){0}; }
/* SSE2 has no unsigned minimum: each pair of vectors' high halves is tested as
 * 0 < h < TINY_W_HIGH, h = high & 0x7FFFFFFF; h + 0x7FFFFFFF, wrapped, maps 0 to the largest
 * signed value and 1.. to the smallest, so one signed compare does both bounds. */
static inline tiny_acc tiny_add(tiny_acc a, const vd *w) {
    for (int k = 0; k < NV; k += 2) {
        vu32 h = (vu32)_mm_shuffle_ps((__m128)w[k], (__m128)w[k + 1], 0xDD);
        vi32 shifted = (vi32)((h & 0x7FFFFFFFu) + 0x7FFFFFFFu);
        a |= ((vi32){0} + (INT32_MIN + TINY_W_HIGH - 1)) > shifted;
    }
    return a;
}
static inline int tiny_seen(tiny_acc a) {
    int any = 0;
    for (int l = 0; l < 2 * VL; l++) any |= a[l] != 0;
    return any;
}
#endif

/* The partial of the dot block [b, b + len), hi and lo into pair[0], pair[1] (fast mode: its
 * value and 0), as dot_block adds it to an accumulator; 0 when the block takes its exact
 * products instead (a tiny product, or lanes or a partial that are not finite). */
static int dot_block_pair(int dtype, int mode, const void *x, const void *y, int64_t b, int64_t len,
                          double *pair) {
    if (mode == PL_FAST) {
        double v = fast_block(dtype, x, y, b, len);
        pair[0] = v;
        pair[1] = 0.0;
        return isfinite(v);
    }
    vd s[NV] = {{0}}, c[NV] = {{0}};
    int64_t i = 0;
    int exact = 0;
    if (dtype == PL_F64) {
        const double *xd = (const double *)x + b, *yd = (const double *)y + b;
        const vd scale = (vd){0} + TINY_SCALE;
        tiny_acc tiny = tiny_init();
        for (; i + LANES <= len; i += LANES) {
#if !VECTOR_FMA
            /* The row's fma calls first: every vector register is the callee's to clobber, so
             * the lanes are spilled once per row rather than around each call. */
            double e[LANES];
            for (int l = 0; l < LANES; l++) e[l] = fma(xd[i + l], yd[i + l], -(xd[i + l] * yd[i + l]));
#endif
            vd w[NV];
            for (int k = 0; k < NV; k++) {
                vd u = load_as_f64(dtype, xd, i + k * VL), v = load_as_f64(dtype, yd, i + k * VL);
                vd p = u * v;
                TWO_SUM(s[k], c[k], p);
#if VECTOR_FMA
                c[k] += fms(u, v, p);
#else
                c[k] += load_as_f64(PL_F64, e, k * VL);
#endif
                w[k] = (u * scale) * (v * scale);
            }
            tiny = tiny_add(tiny, w);
        }
        exact = tiny_seen(tiny);
    } else {
        for (; i + LANES <= len; i += LANES)
            for (int k = 0; k < NV; k++) {
                vd p = load_as_f64(dtype, x, b + i + k * VL) * load_as_f64(dtype, y, b + i + k * VL);
                TWO_SUM(s[k], c[k], p);
            }
    }
    double sl[LANES], cl[LANES];
    store_lanes(sl, s);
    store_lanes(cl, c);
    for (int l = 0; i < len; i++, l++) {
        double u = elem_as_f64(dtype, x, b + i), v = elem_as_f64(dtype, y, b + i);
        double p = u * v;
        TWO_SUM(sl[l], cl[l], p);
        if (dtype == PL_F64) {
            cl[l] += fma(u, v, -p);
            exact |= tiny_product(u, v);
        }
    }
    if (exact) return 0;
    /* The fold only adds, so it is finite exactly when every lane value is: one check. */
    fold(mode, sl, cl, &pair[0], &pair[1]);
    return isfinite(pair[0]) && isfinite(pair[1]);
}

static void dot_block(int dtype, int mode, const void *x, const void *y, int64_t b, int64_t len,
                      pl_acc *acc) {
    double pair[2];
    if (dot_block_pair(dtype, mode, x, y, b, len, pair)) {
        pl_acc_add_term(acc, pair[0]);
        if (mode != PL_FAST) pl_acc_add_term(acc, pair[1]);
        return;
    }
    /* A tiny product, or lanes that are not finite: the block's exact products (one that
     * overflows, or cancels one that does, is still exact). */
    for (int64_t i = 0; i < len; i++)
        pl_acc_add_product_term(acc, elem_as_f64(dtype, x, b + i), elem_as_f64(dtype, y, b + i));
}

static void k_dot(int dtype, int mode, const void *x, const void *y, int64_t lo, int64_t hi,
                  pl_acc *acc) {
    for (int64_t b = lo; b < hi; b += PL_BLOCK) {
        int64_t len = hi - b < PL_BLOCK ? hi - b : PL_BLOCK;
        dot_block(dtype, mode, x, y, b, len, acc);
    }
}

/* The partials of the dot blocks of [lo, hi) (lo block-aligned, a few blocks) as k_dot computes
 * them, hi and lo per block into pairs[0, 2 * blocks); 0 when a block takes its exact products
 * (the caller then takes the accumulator). */
static int k_dot_pairs(int dtype, int mode, const void *x, const void *y, int64_t lo, int64_t hi,
                       double *pairs) {
    for (int64_t b = lo; b < hi; b += PL_BLOCK, pairs += 2) {
        int64_t len = hi - b < PL_BLOCK ? hi - b : PL_BLOCK;
        if (!dot_block_pair(dtype, mode, x, y, b, len, pairs)) return 0;
    }
    return 1;
}

/* Float variance, the centred pass: lanes of sum(d*d) and sum(d), d = x - center. */
/* A block's centred lanes folded into st, or, when not finite, its terms added exactly. */
static void centered_finish(int dtype, int mode, const void *x, int64_t b, int64_t len,
                            double center, const double *sql, const double *cql,
                            const double *sdl, const double *cdl, pl_centered *st) {
    double qh, ql, dh, dl;
    fold(mode, sql, cql, &qh, &ql);
    fold(mode, sdl, cdl, &dh, &dl);
    if (isfinite(qh) && isfinite(ql) && isfinite(dh) && isfinite(dl)) {
        pl_acc_add_term(&st->sq, qh);
        pl_acc_add_term(&st->sq, ql);
        pl_acc_add_term(&st->dev, dh);
        pl_acc_add_term(&st->dev, dl);
        return;
    }
    /* Not finite (a deviation or its square overflowed, or the data holds an infinity or a
     * NaN): this block's sums exactly, of x - c as x and -c, of (x - c)^2 as x*x - 2*x*c + c*c
     * (exact products), so that a finite variance stays finite whatever its sums' size. */
    for (int64_t i = 0; i < len; i++) {
        double v = elem_as_f64(dtype, x, b + i);
        if (isfinite(v)) {
            pl_acc_add_term(&st->dev, v);
            pl_acc_add_term(&st->dev, -center);
            pl_acc_add_product_term(&st->sq, v, v);
            pl_acc_add_product_term(&st->sq, v, -center);
            pl_acc_add_product_term(&st->sq, v, -center);
            pl_acc_add_product_term(&st->sq, center, center);
        } else {
            double dv = v - center;
            pl_acc_add_term(&st->sq, dv * dv);
            pl_acc_add_term(&st->dev, dv);
        }
    }
}

/* One lane step of the centred sums: d = v - m into (sd, cd), d*d into (sq, cq). */
#define CENTERED_STEP(mode, v, m, sq, cq, sd, cd)                                             \
    do {                                                                                      \
        __typeof__(v) dv_ = SUB_F((v), (m));                                                   \
        __typeof__(v) qv_ = dv_ * dv_;                                                        \
        if ((mode) == PL_ACCURATE) {                                                          \
            TWO_SUM(sq, cq, qv_);                                                             \
            TWO_SUM(sd, cd, dv_);                                                             \
        } else {                                                                              \
            (sq) += qv_;                                                                      \
            (sd) += dv_;                                                                      \
        }                                                                                     \
    } while (0)

/* The centred lanes of the block [b, b + len): sums of d * d into (sql, cql), of d into
 * (sdl, cdl), d = x - center, element i in lane i % LANES. */
static void centered_lanes(int dtype, int mode, const void *x, int64_t b, int64_t len, double center,
                           double *sql, double *cql, double *sdl, double *cdl) {
    vd sq[NV] = {{0}}, cq[NV] = {{0}}, sd[NV] = {{0}}, cd[NV] = {{0}};
    vd m = (vd){0} + center;
    const int64_t sz = dtype == PL_F64 ? 8 : 4;
    const char *base = (const char *)x + b * sz;
    int64_t i = 0;
    for (; i + LANES <= len; i += LANES) {
        __builtin_prefetch(base + i * sz + PREFETCH_BYTES, 0, PREFETCH_LOCALITY); /* as sum_lanes */
        for (int k = 0; k < NV; k++)
            CENTERED_STEP(mode, load_as_f64(dtype, x, b + i + k * VL), m, sq[k], cq[k], sd[k], cd[k]);
    }
    store_lanes(sql, sq);
    store_lanes(cql, cq);
    store_lanes(sdl, sd);
    store_lanes(cdl, cd);
    for (int l = 0; i < len; i++, l++)
        CENTERED_STEP(mode, elem_as_f64(dtype, x, b + i), center, sql[l], cql[l], sdl[l], cdl[l]);
}

static void centered_block(int dtype, int mode, const void *x, int64_t b, int64_t len,
                           double center, pl_centered *st) {
    double sql[LANES], cql[LANES], sdl[LANES], cdl[LANES];
    centered_lanes(dtype, mode, x, b, len, center, sql, cql, sdl, cdl);
    centered_finish(dtype, mode, x, b, len, center, sql, cql, sdl, cdl, st);
}

/* The centred partials of the blocks of [lo, hi) (lo block-aligned, a few blocks) as k_centered
 * adds them to its state: hi and lo of sum(d * d) per block into q, of sum(d) into d; 0 when a
 * block's are not finite (it takes the exact path: the caller then takes the accumulators). */
static int k_centered_pairs(int dtype, int mode, const void *x, int64_t lo, int64_t hi, double center, double *q,
                            double *d) {
    for (int64_t b = lo; b < hi; b += PL_BLOCK, q += 2, d += 2) {
        int64_t len = hi - b < PL_BLOCK ? hi - b : PL_BLOCK;
        double sql[LANES], cql[LANES], sdl[LANES], cdl[LANES];
        centered_lanes(dtype, mode, x, b, len, center, sql, cql, sdl, cdl);
        fold(mode, sql, cql, &q[0], &q[1]);
        fold(mode, sdl, cdl, &d[0], &d[1]);
        if (!(isfinite(q[0]) && isfinite(q[1]) && isfinite(d[0]) && isfinite(d[1]))) return 0;
    }
    return 1;
}

/* CGROUP whole blocks from b, interleaved: 2 chains (the two TwoSums) per lane vector of each
 * block, CGROUP * NV * 2 = 4 independent chains at every level, the bits of one block at a
 * time (see GROUP). */
#define CGROUP (2 / NV > 0 ? 2 / NV : 1)

static void centered_group(int dtype, int mode, const void *x, int64_t b, double center,
                           pl_centered *st) {
    vd sq[CGROUP][NV], cq[CGROUP][NV], sd[CGROUP][NV], cd[CGROUP][NV];
    for (int g = 0; g < CGROUP; g++)
        for (int k = 0; k < NV; k++) sq[g][k] = cq[g][k] = sd[g][k] = cd[g][k] = (vd){0};
    vd m = (vd){0} + center;
    for (int64_t i = 0; i < PL_BLOCK; i += LANES)
        for (int g = 0; g < CGROUP; g++)
            for (int k = 0; k < NV; k++)
                CENTERED_STEP(mode, load_as_f64(dtype, x, b + g * PL_BLOCK + i + k * VL), m,
                              sq[g][k], cq[g][k], sd[g][k], cd[g][k]);
    for (int g = 0; g < CGROUP; g++) {
        double sql[LANES], cql[LANES], sdl[LANES], cdl[LANES];
        store_lanes(sql, sq[g]);
        store_lanes(cql, cq[g]);
        store_lanes(sdl, sd[g]);
        store_lanes(cdl, cd[g]);
        centered_finish(dtype, mode, x, b + g * PL_BLOCK, PL_BLOCK, center, sql, cql, sdl, cdl, st);
    }
}

static void k_centered(int dtype, int mode, const void *x, int64_t lo, int64_t hi,
                       pl_centered *st) {
    int64_t b = lo;
    if (CGROUP > 1 && (hi - lo) * (dtype == PL_F64 ? 8 : 4) <= GROUP_MAX_BYTES)
        for (; b + CGROUP * PL_BLOCK <= hi; b += CGROUP * PL_BLOCK)
            centered_group(dtype, mode, x, b, st->center, st);
    for (; b < hi; b += PL_BLOCK) {
        int64_t len = hi - b < PL_BLOCK ? hi - b : PL_BLOCK;
        centered_block(dtype, mode, x, b, len, st->center, st);
    }
    st->count += hi - lo;
}

/*
 * Min and max, a block at a time. The block's extreme comes from VL lanes of comparisons (and
 * a NaN test); only a block that improves on the state is scanned again for the first index of
 * its extreme, so the index costs nothing on most inputs. A NaN ends the range: its first NaN's
 * index is the answer whatever follows. Zeros compare equal, so the sign of a zero extreme is
 * settled separately: -0 for a min and +0 for a max as soon as one such zero is seen (states.c
 * merges by the same rule, which makes the result independent of how the range was split).
 */
/* v where it beats m (v < m for a min, v > m for a max; never a NaN v), else m: what the x86
 * minimum and maximum instructions compute, operand for operand (a NaN or a tie gives the
 * second operand, m), in one instruction where a compare and a blend took three. */
static inline vd better_lanes(int op, vd v, vd m) {
#if defined(__AVX512F__)
    return (vd)(op == PL_MIN ? _mm512_min_pd((__m512d)v, (__m512d)m) : _mm512_max_pd((__m512d)v, (__m512d)m));
#elif defined(__AVX2__)
    return (vd)(op == PL_MIN ? _mm256_min_pd((__m256d)v, (__m256d)m) : _mm256_max_pd((__m256d)v, (__m256d)m));
#else
    return (vd)(op == PL_MIN ? _mm_min_pd((__m128d)v, (__m128d)m) : _mm_max_pd((__m128d)v, (__m128d)m));
#endif
}

/* Whether any lane of a comparison's result (all ones or zero per lane) is set: one mask test
 * (a loop over the lanes compiled to a lane-by-lane extraction that cost more than the compare). */
static inline int any_lane(vl h) {
#if defined(__AVX512F__)
    return _mm512_test_epi64_mask((__m512i)h, (__m512i)h) != 0;
#elif defined(__AVX2__)
    return _mm256_movemask_pd((__m256d)h) != 0;
#else
    return _mm_movemask_pd((__m128d)h) != 0;
#endif
}

/* The block's extreme in EXT_CHAINS running vectors: each step's compare waits for the last
 * step's blend, so one running vector kept the loop at that latency (the block's extreme of
 * 2048 doubles took about 300 of the 1,300 ns a min of them cost on the 2-core AMD EPYC, Zen 4,
 * which the scan for its index below took most of). The lanes hold the same extreme whatever
 * the order (zeros' signs are settled by the caller). */
#define EXT_CHAINS 4
static inline __attribute__((always_inline)) double block_extreme_op(int dtype, int op, const void *x, int64_t b,
                                                                      int64_t e, int *nan) {
    double first = elem_as_f64(dtype, x, b);
    vd m[EXT_CHAINS];
    vl nanv[EXT_CHAINS]; /* one per chain too: a shared one was a chain of its own */
    for (int k = 0; k < EXT_CHAINS; k++) {
        m[k] = (vd){0} + first;
        nanv[k] = (vl){0};
    }
    int64_t i = b;
    for (; i + EXT_CHAINS * VL <= e; i += EXT_CHAINS * VL)
        for (int k = 0; k < EXT_CHAINS; k++) {
            vd v = load_as_f64(dtype, x, i + k * VL);
            nanv[k] |= (v != v);
            m[k] = better_lanes(op, v, m[k]);
        }
    for (; i + VL <= e; i += VL) {
        vd v = load_as_f64(dtype, x, i);
        nanv[0] |= (v != v);
        m[0] = better_lanes(op, v, m[0]);
    }
    for (int k = 1; k < EXT_CHAINS; k++) {
        m[0] = better_lanes(op, m[k], m[0]);
        nanv[0] |= nanv[k];
    }
    double r = first;
    int has_nan = (first != first) || any_lane(nanv[0]);
    for (int l = 0; l < VL; l++)
        if (pl_better(op, m[0][l], r)) r = m[0][l];
    for (; i < e; i++) {
        double v = elem_as_f64(dtype, x, i);
        has_nan |= v != v;
        if (pl_better(op, v, r)) r = v;
    }
    *nan = has_nan;
    return r;
}

static double block_float_extreme(int dtype, int op, const void *x, int64_t b, int64_t e, int *nan) {
    /* the operation and the element type constant in each loop */
    if (dtype == PL_F64)
        return op == PL_MIN ? block_extreme_op(PL_F64, PL_MIN, x, b, e, nan) : block_extreme_op(PL_F64, PL_MAX, x, b, e, nan);
    return op == PL_MIN ? block_extreme_op(PL_F32, PL_MIN, x, b, e, nan) : block_extreme_op(PL_F32, PL_MAX, x, b, e, nan);
}

/* Whether x[b, e) holds a zero of the sign a zero min (negative) or max (positive) takes: its
 * bits, as a whole vector's lanes are compared. */
static int has_preferred_zero(int dtype, int op, const void *x, int64_t b, int64_t e) {
    const int64_t want = op == PL_MIN ? INT64_MIN : 0; /* the bits of -0.0 or +0.0 */
    int64_t i = b;
    for (; i + VL <= e; i += VL)
        if (any_lane((vl)load_as_f64(dtype, x, i) == ((vl){0} + want))) return 1;
    for (; i < e; i++) {
        double v = elem_as_f64(dtype, x, i);
        int64_t bits;
        memcpy(&bits, &v, sizeof bits);
        if (bits == want) return 1;
    }
    return 0;
}

/* The index of the first NaN of x[b, e) (nan) or else of its first element equal to m; -1 when
 * it holds none: another thread or process wrote the block after its extreme was read. Whole
 * vectors are compared until one holds it, then that vector's elements one by one. */
static int64_t float_first_at(int dtype, const void *x, int64_t b, int64_t e, int nan, double m) {
    const vd mv = (vd){0} + m;
    int64_t i = b;
    if (nan) {
        for (; i + VL <= e; i += VL) {
            vd v = load_as_f64(dtype, x, i);
            if (any_lane(v != v)) break;
        }
    } else {
        for (; i + VL <= e; i += VL)
            if (any_lane(load_as_f64(dtype, x, i) == mv)) break;
    }
    for (; i < e; i++) {
        double v = elem_as_f64(dtype, x, i);
        if (nan ? v != v : v == m) return i;
    }
    return -1;
}

/* The block's extreme and its first index (or its first NaN) in one pass, which keeps the two
 * together however the block changes meanwhile. */
static double float_extreme_at(int dtype, int op, const void *x, int64_t b, int64_t e, int *nan, int64_t *at) {
    double r = elem_as_f64(dtype, x, b);
    *at = b;
    *nan = r != r;
    for (int64_t i = b + 1; i < e && !*nan; i++) {
        double v = elem_as_f64(dtype, x, i);
        if (v != v) {
            *nan = 1;
            *at = i;
            r = v;
        } else if (pl_better(op, v, r)) {
            r = v;
            *at = i;
        }
    }
    return r;
}

/* Folds the min or max of x[lo, hi) into st. The state may hold elements past hi already (a C
 * caller may accumulate ranges in any order): a NaN or an equal extreme at a lower index then
 * takes the index, as pl_extremum_merge does. */
static void float_extremum(int dtype, const void *x, int64_t lo, int64_t hi, pl_extremum *st) {
    int op = (int)st->op, has = st->count > 0;
    double best;
    memcpy(&best, &st->value, sizeof best);
    for (int64_t b = lo; b < hi && !(st->nan && st->index < b); b += PL_BLOCK) {
        int64_t e = hi - b < PL_BLOCK ? hi : b + PL_BLOCK;
        int nan;
        double m = block_float_extreme(dtype, op, x, b, e, &nan);
        if (st->nan && !nan) continue; /* the state's NaN, later in the array, stays the first */
        if (nan || !has || pl_better(op, m, best) || (m == best && st->index > b)) {
            int64_t i = float_first_at(dtype, x, b, e, nan, m);
            if (i < 0) m = float_extreme_at(dtype, op, x, b, e, &nan, &i);
            if (nan) {
                if (!st->nan || i < st->index) st->index = i;
                st->nan = 1;
                best = __builtin_nan("");
                continue;
            }
            if (st->nan) continue;
            if (!has || pl_better(op, m, best)) {
                best = m;
                st->index = i;
                has = 1;
            } else if (m == best) {
                if (i < st->index) st->index = i;
            } else {
                continue;
            }
        } else if (m != best) {
            continue;
        }
        if (best == 0 && (signbit(best) != 0) != (op == PL_MIN) &&
            has_preferred_zero(dtype, op, x, b, e))
            best = -best;
    }
    memcpy(&st->value, &best, sizeof best);
    st->count += hi - lo;
}

static inline int64_t elem_i64(int dtype, const void *x, int64_t i) {
    return dtype == PL_I64 ? ((const int64_t *)x)[i] : ((const int32_t *)x)[i];
}

static int64_t block_int_extreme(int dtype, int op, const void *x, int64_t b, int64_t e) {
    if (dtype == PL_I64) {
        const int64_t *p = x;
        int64_t r = p[b];
        if (op == PL_MIN)
            for (int64_t i = b + 1; i < e; i++) r = p[i] < r ? p[i] : r;
        else
            for (int64_t i = b + 1; i < e; i++) r = p[i] > r ? p[i] : r;
        return r;
    }
    const int32_t *p = x;
    int32_t r = p[b];
    if (op == PL_MIN)
        for (int64_t i = b + 1; i < e; i++) r = p[i] < r ? p[i] : r;
    else
        for (int64_t i = b + 1; i < e; i++) r = p[i] > r ? p[i] : r;
    return r;
}

/* As float_extremum: an equal extreme at a lower index takes the index; a block that no longer
 * holds its extreme (written meanwhile) is read again in one pass that keeps value and index. */
static void int_extremum(int dtype, const void *x, int64_t lo, int64_t hi, pl_extremum *st) {
    int op = (int)st->op, has = st->count > 0;
    for (int64_t b = lo; b < hi; b += PL_BLOCK) {
        int64_t e = hi - b < PL_BLOCK ? hi : b + PL_BLOCK;
        int64_t m = block_int_extreme(dtype, op, x, b, e);
        if (has && (op == PL_MIN ? m > st->value : m < st->value)) continue;
        if (has && m == st->value && st->index < b) continue;
        int64_t i = b;
        while (i < e && elem_i64(dtype, x, i) != m) i++;
        if (i == e) { /* written meanwhile: the block again, value and index together */
            i = b;
            m = elem_i64(dtype, x, b);
            for (int64_t k = b + 1; k < e; k++) {
                int64_t v = elem_i64(dtype, x, k);
                if (op == PL_MIN ? v < m : v > m) {
                    m = v;
                    i = k;
                }
            }
        }
        if (!has || (op == PL_MIN ? m < st->value : m > st->value)) {
            st->value = m;
            st->index = i;
            has = 1;
        } else if (m == st->value && i < st->index) {
            st->index = i;
        }
    }
    st->count += hi - lo;
}

static void k_extremum(int dtype, const void *x, int64_t lo, int64_t hi, pl_extremum *st) {
    if (pl_dtype_is_float(dtype))
        float_extremum(dtype, x, lo, hi, st);
    else
        int_extremum(dtype, x, lo, hi, st);
}

/* A 64-bit term split into its arithmetic high and unsigned low 32-bit halves, added to the
 * running halves (scalar tails), and the lanes of vector halves folded into them. */
static inline void add_split(int64_t v, int64_t *h, int64_t *lsum) {
    *h += v >> 32;
    *lsum += v & 0xFFFFFFFFLL;
}

static inline void fold_split(vl hs, vl ls, int64_t *h, int64_t *lsum) {
    for (int l = 0; l < VL; l++) {
        *h += hs[l];
        *lsum += ls[l];
    }
}

/* The i32 sum's passes: I32_PASS vectors into each of two accumulators before their 32-bit
 * lanes are folded (a lane then holds at most 2^15 high halves of magnitude 2^15 or less, and
 * 2^15 low halves below 2^16: both below 2^31), and its chunks:
 * I32_CHUNK elements summed in one int64 (at most 2^61) before each goes into the state. */
#define I32_PASS 16384
#define I32_CHUNK (INT64_C(1) << 30)
_Static_assert(2 * I32_PASS * 65535LL <= INT32_MAX && 2 * I32_PASS * 32768LL <= INT32_MAX,
               "a pass's merged 32-bit lanes must hold 2 * I32_PASS halves");

/* Exact integer sums, in any order: integer adds do not round. Each chunk's or block's total
 * goes into the 256-bit state. The i64 sum prefetches only a range of more than GROUP_MAX_BYTES
 * (from memory), as the accurate sum interleaves blocks only below it; the i32 sum the other
 * way round, only a range of at most GROUP_MAX_BYTES, one of its two lines per step. On the
 * 2-core AMD EPYC (Zen 4), 2 threads, builds alternated: at 2^20 (in L3) i64 without the
 * prefetch read 1.22-1.23 of the read probe in a C harness against 1.08-1.15 with it, and
 * 146-166 GB/s through the Java API against 129-143; i32 without it read 1.27-1.28 of the probe
 * in the C harness against 1.16-1.19, but 142-155 GB/s through the Java API against 139-163,
 * within the noise, so it kept its prefetch there; at 2^22 (8 MiB a thread) the Java API read
 * i32 at 0.86-0.90 of the probe either way. From memory i64 did not move, and i32 without the
 * prefetch read 1.09-1.20 of the probe at 2^24 against 0.91-1.01 with it, and 1.06-1.29 at
 * 2^26 against 0.92-1.03 (Java API, six JVMs each, two states of the VM's memory). Prefetching
 * both of i32's lines per step read 0.89-0.94 of the probe at 2^24 against 1.00-1.14. Not
 * measured on Intel or on many cores, where an array in memory can split into ranges below the
 * line: check both there.
 * - i32 splits each term into a signed high and an unsigned low 16-bit half and sums them in
 *   32-bit lanes, 16 terms per AVX-512 vector with four plain operations (shift, and, two adds).
 *   Widening to 64-bit lanes instead took two conversions per 16 terms, shuffles on the ports
 *   that also take the adds: at 2^17 on one thread of the 2-core AMD VM 104 GB/s against
 *   115-170 this way (and 56 while GCC split each conversion in halves), on 2 threads 131
 *   against 154-165, from memory (2^24) about the same.
 * - i64 splits each term into a signed high and an unsigned low 32-bit half, sums the halves
 *   in 64-bit lanes and recombines per block in 128 bits. */
static void k_integer_sum(int dtype, const void *x, int64_t lo, int64_t hi, pl_wide *acc) {
    if (dtype == PL_I32) {
        typedef int32_t v32 __attribute__((vector_size(VBYTES)));
        enum { W = VBYTES / 4 };
        const int32_t *p = x;
        const int pf = (hi - lo) * 4 <= GROUP_MAX_BYTES;
        for (int64_t b = lo; b < hi; b += I32_CHUNK) {
            int64_t e = hi - b < I32_CHUNK ? hi : b + I32_CHUNK, i = b, s = 0;
            while (i + 2 * W <= e) {
                int64_t stop = e - i < 2 * W * I32_PASS ? e : i + 2 * W * I32_PASS;
                v32 h0 = {0}, h1 = {0}, l0 = {0}, l1 = {0};
                for (; i + 2 * W <= stop; i += 2 * W) {
                    if (pf) __builtin_prefetch((const char *)(p + i) + PREFETCH_BYTES, 0, PREFETCH_LOCALITY);
                    v32 u, v;
                    memcpy(&u, p + i, sizeof u);
                    memcpy(&v, p + i + W, sizeof v);
                    h0 += u >> 16;
                    l0 += u & 0xFFFF;
                    h1 += v >> 16;
                    l1 += v & 0xFFFF;
                }
                h0 += h1;
                l0 += l1;
                int64_t hs = 0, ls = 0;
                for (int l = 0; l < W; l++) {
                    hs += h0[l];
                    ls += l0[l];
                }
                s += hs * 65536 + ls;
            }
            for (; i < e; i++) s += p[i];
            pl_wide_add192(acc, s < 0 ? -1 : 0, s < 0 ? UINT64_MAX : 0, (uint64_t)s);
        }
        return;
    }
    const int pf = (hi - lo) * 8 > GROUP_MAX_BYTES;
    for (int64_t b = lo; b < hi; b += PL_BLOCK) {
        int64_t e = hi - b < PL_BLOCK ? hi : b + PL_BLOCK;
        int64_t i = b;
        const int64_t *p = x;
        vl hs = {0}, ls = {0};
        const vl mask = (vl){0} + 0xFFFFFFFFLL;
        for (; i + VL <= e; i += VL) {
            if (pf) __builtin_prefetch((const char *)(p + i) + PREFETCH_BYTES, 0, PREFETCH_LOCALITY);
            vl v;
            memcpy(&v, p + i, sizeof v);
            hs += v >> 32;
            ls += v & mask;
        }
        int64_t h = 0, lsum = 0;
        fold_split(hs, ls, &h, &lsum);
        for (; i < e; i++) add_split(p[i], &h, &lsum);
        pl_i128 total = (pl_i128)h * ((pl_i128)1 << 32) + lsum;
        pl_wide_add192(acc, total < 0 ? -1 : 0, (uint64_t)((pl_u128)total >> 64),
                       (uint64_t)total);
    }
}

/* Exact integer dots. i32 products fit 63 bits and a block of them 75, so a block sums in
 * 128 bits. An i64 product takes 127 bits: a block sums into 192 bits (the 128-bit low part
 * with its carries counted in a 64-bit top word). */
static void k_integer_dot(int dtype, const void *x, const void *y, int64_t lo, int64_t hi,
                          pl_wide *acc) {
    for (int64_t b = lo; b < hi; b += PL_BLOCK) {
        int64_t e = hi - b < PL_BLOCK ? hi : b + PL_BLOCK;
        if (dtype == PL_I32) {
            /* A product fits 63 bits: its arithmetic high and unsigned low 32-bit halves sum in
             * 64-bit lanes (a block's stay below 2^43 and 2^44), recombined in 128 bits per
             * block. 4x the 128-bit sum per product on Zen 5, and what the Java twin does. */
            const int32_t *p = x, *q = y;
            vl hs = {0}, ls = {0};
            const vl mask = (vl){0} + 0xFFFFFFFFLL;
            int64_t i = b;
            for (; i + VL <= e; i += VL) {
                vl prod = mul_i32_lanes(load_i32_as_i64(p + i), load_i32_as_i64(q + i));
                hs += prod >> 32;
                ls += prod & mask;
            }
            int64_t h = 0, lsum = 0;
            fold_split(hs, ls, &h, &lsum);
            for (; i < e; i++) add_split((int64_t)p[i] * (int64_t)q[i], &h, &lsum);
            pl_i128 s = (pl_i128)h * ((pl_i128)1 << 32) + lsum;
            pl_wide_add192(acc, s < 0 ? -1 : 0, (uint64_t)((pl_u128)s >> 64),
                           (uint64_t)s);
        } else {
            const int64_t *p = x, *q = y;
            pl_u128 low = 0;
            int64_t top = 0;
            for (int64_t i = b; i < e; i++) {
                pl_i128 prod = (pl_i128)p[i] * (pl_i128)q[i];
                pl_u128 u = (pl_u128)prod;
                low += u;
                top += (low < u) - (prod < 0);
            }
            pl_wide_add192(acc, top, (uint64_t)(low >> 64), (uint64_t)low);
        }
    }
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

/* Bandwidth probe: eight plain vector accumulators and the kernels' prefetch; no compensation, no order. */
static double k_probe(const double *x, int64_t lo, int64_t hi) {
    vd a[8] = {{0}};
    int64_t i = lo;
    /* The kernels' software prefetch too, so that the probe is no slower than a kernel that
     * prefetches: a ceiling, not a strawman. */
    for (; i + 8 * VL <= hi; i += 8 * VL) {
        for (int k = 0; k < 8 * VL; k += 8)
            __builtin_prefetch((const char *)(x + i + k) + PREFETCH_BYTES, 0, PREFETCH_LOCALITY);
        for (int k = 0; k < 8; k++) a[k] += load_as_f64(PL_F64, x, i + k * VL);
    }
    vd t = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    double s = 0;
    for (int l = 0; l < VL; l++) s += t[l];
    for (; i < hi; i++) s += x[i];
    return s;
}

/*
 * Accurate sums of VL consecutive slices of k <= PL_BLOCK elements each, from slice j, with
 * slice q of the batch in SIMD lane q: lane register l holds lane l (elements l, l + 8, ...)
 * of VL slices, so each slice goes through exactly the TwoSum steps and the fold of a one-block
 * sum (k_sum_small), and many short slices cost what a few long ones do. Writes each slice's
 * hi + lo to out[j + q]; returns a bit mask of the slices whose partial was not finite, which
 * the caller sums exactly instead (as k_sum_small's caller does).
 */
/* One stage of a VL x VL transpose: rows a and b = a + d swap bit d of their row and column
 * indices, with constant masks so that each stage is two shuffle instructions. */
#define TRANSPOSE_STAGE(a, b, MA, MB)                                                          \
    do {                                                                                      \
        vd na_ = __builtin_shuffle((a), (b), (vl)MA), nb_ = __builtin_shuffle((a), (b), (vl)MB); \
        (a) = na_;                                                                            \
        (b) = nb_;                                                                            \
    } while (0)

/* r[q] = the VL elements of row q; afterwards r[l] = element l of every row. */
static inline void transpose(vd r[VL]) {
#if VL == 8
    for (int q = 0; q < 8; q += 2)
        TRANSPOSE_STAGE(r[q], r[q + 1], ((vl){0, 8, 2, 10, 4, 12, 6, 14}), ((vl){1, 9, 3, 11, 5, 13, 7, 15}));
    for (int q = 0; q < 8; q += (q & 1) ? 3 : 1)
        TRANSPOSE_STAGE(r[q], r[q + 2], ((vl){0, 1, 8, 9, 4, 5, 12, 13}), ((vl){2, 3, 10, 11, 6, 7, 14, 15}));
    for (int q = 0; q < 4; q++)
        TRANSPOSE_STAGE(r[q], r[q + 4], ((vl){0, 1, 2, 3, 8, 9, 10, 11}), ((vl){4, 5, 6, 7, 12, 13, 14, 15}));
#elif VL == 4
    for (int q = 0; q < 4; q += 2) TRANSPOSE_STAGE(r[q], r[q + 1], ((vl){0, 4, 2, 6}), ((vl){1, 5, 3, 7}));
    for (int q = 0; q < 2; q++) TRANSPOSE_STAGE(r[q], r[q + 2], ((vl){0, 1, 4, 5}), ((vl){2, 3, 6, 7}));
#else
    TRANSPOSE_STAGE(r[0], r[1], ((vl){0, 2}), ((vl){1, 3}));
#endif
}

/* Slices longer than this have each slice's lanes summed on their own (two slices interleaved
 * in cache), then folded VL slices at a time with the transpose fused into the fold (FOLD_ROWS);
 * shorter ones are read a row of every slice at a time and transposed as they are read (slices.c
 * has the figures). */
#define SLICE_ROWS_MAX 16

/* One transpose stage fused with a level of the fold: (ha, la) and (hb, lb) swap a bit of
 * their slice and element indices, then the even elements fold with the odd ones. */
#define STAGE_FOLD(ha, la, hb, lb, MA, MB, h, l)                                              \
    do {                                                                                      \
        vd ea_ = __builtin_shuffle((ha), (hb), (vl)MA), eb_ = __builtin_shuffle((ha), (hb), (vl)MB); \
        vd fa_ = __builtin_shuffle((la), (lb), (vl)MA), fb_ = __builtin_shuffle((la), (lb), (vl)MB); \
        FOLD_PAIR(ea_, fa_, eb_, fb_, h, l);                                                  \
    } while (0)

#if VL == 8 || VL == 4
/* Stores VL slices' hi + lo at o and returns the bit mask of those whose hi or lo is not
 * finite: one vector compare, where extracting the lanes one by one cost a fifth of a slice
 * sum's time at k = 8 and a tenth at k = 64. */
static inline unsigned store_slices(vd hi, vd lo, double *o, int stream) {
    vd r = hi + lo;
    if (stream) /* o is a multiple of VBYTES from a 64-byte aligned output */
#if VL == 8
        _mm512_stream_pd(o, (__m512d)r);
#else
        _mm256_stream_pd(o, (__m256d)r);
#endif
    else
        memcpy(o, &r, sizeof r);
    vd t = (hi - hi) + (lo - lo); /* x - x is NaN exactly when x is not finite */
#if VL == 8
    return _mm512_cmp_pd_mask((__m512d)t, (__m512d)t, _CMP_UNORD_Q);
#else
    return (unsigned)_mm256_movemask_pd(_mm256_cmp_pd((__m256d)t, (__m256d)t, _CMP_UNORD_Q));
#endif
}

/*
 * k_slice_sums for slices of exactly LANES elements: one element per lane, so each lane's only
 * TwoSum is the first, TwoSum(+0, x), which for a finite x leaves s = +0 + x and c = +0 exactly
 * (a lane with an infinity or NaN gives a non-finite hi either way and is redone by the caller).
 * The transpose's stages are interleaved with the fold's levels: after the stage that swaps bit
 * d, the even elements of each pair of vectors are the fold's first operands and the odd ones
 * its second, as in FOLD_TREE, so every slice sees the same operations in the same order.
 * Measured (Zen 5, AVX-512, GB/s, C harness): 2^17 on one thread 25-37 against 8.3 through the
 * general path below, on two 45-57 against 16; 2^24 on two 28-35, where a fast sum read 43-47
 * in the same runs (the output adds an eighth to the traffic). The lanes' finiteness is one
 * vector compare to a bit mask: extracted lane by lane, it cost a fifth of the time (one thread
 * at 2^17, libraries alternating: 31-32 against 25). Prefetching ahead pays from memory and
 * costs in cache (2^24 on two threads, 0.78-0.83 of a fast sum against 0.72-0.76 without; 2^17
 * on one, 31-32 against 35-38), so only arrays larger than GROUP_MAX_BYTES take it.
 */
/* The accurate fold of VL slices into (hi, lo), element q of each for slice q: S(q, m) and
 * C(q, m) are slice q's lane vectors m (lane m * VL + e in element e). The transpose's stages are
 * interleaved with the fold's levels (as described above), so that every slice gets FOLD_TREE's
 * operations in its order. A macro, not a function over arrays: slice_row_sums through such a
 * function ran at 16 GB/s instead of 41 (one thread at 2^17), its lanes kept in memory. */
#if VL == 8
#define FOLD_ROWS(S, C, hi, lo)                                                               \
    do {                                                                                      \
        vd h_[4], l_[4];                                                                      \
        for (int q_ = 0; q_ < 8; q_ += 2)                                                     \
            STAGE_FOLD(S(q_, 0), C(q_, 0), S(q_ + 1, 0), C(q_ + 1, 0),                        \
                       ((vl){0, 8, 2, 10, 4, 12, 6, 14}), ((vl){1, 9, 3, 11, 5, 13, 7, 15}),  \
                       h_[q_ / 2], l_[q_ / 2]);                                               \
        for (int q_ = 0; q_ < 4; q_ += 2)                                                     \
            STAGE_FOLD(h_[q_], l_[q_], h_[q_ + 1], l_[q_ + 1], ((vl){0, 1, 8, 9, 4, 5, 12, 13}), \
                       ((vl){2, 3, 10, 11, 6, 7, 14, 15}), h_[q_], l_[q_]);                   \
        STAGE_FOLD(h_[0], l_[0], h_[2], l_[2], ((vl){0, 1, 2, 3, 8, 9, 10, 11}),              \
                   ((vl){4, 5, 6, 7, 12, 13, 14, 15}), hi, lo);                               \
    } while (0)
#else
/* Four slices of two vectors each: h_[0..1] from lanes 0-3, h_[2..3] from lanes 4-7. */
#define FOLD_ROWS(S, C, hi, lo)                                                               \
    do {                                                                                      \
        vd h_[4], l_[4];                                                                      \
        for (int q_ = 0; q_ < 4; q_++)                                                        \
            STAGE_FOLD(S((q_ & 1) * 2, q_ >> 1), C((q_ & 1) * 2, q_ >> 1),                    \
                       S((q_ & 1) * 2 + 1, q_ >> 1), C((q_ & 1) * 2 + 1, q_ >> 1),            \
                       ((vl){0, 4, 2, 6}), ((vl){1, 5, 3, 7}), h_[q_], l_[q_]);               \
        for (int q_ = 0; q_ < 4; q_ += 2)                                                     \
            STAGE_FOLD(h_[q_], l_[q_], h_[q_ + 1], l_[q_ + 1], ((vl){0, 1, 4, 5}),             \
                       ((vl){2, 3, 6, 7}), h_[q_], l_[q_]);                                   \
        FOLD_PAIR(h_[0], l_[0], h_[2], l_[2], hi, lo);                                        \
    } while (0)
#endif

static unsigned slice_row_sums(int dtype, const void *x, int64_t n, int64_t j, double *out, int stream) {
    const vd z = {0};
    vd hi, lo;
    const int64_t sz = dtype == PL_F64 ? 8 : 4;
    if (n * sz > GROUP_MAX_BYTES) { /* from memory; in cache the prefetches only cost */
        const char *base = (const char *)x + j * LANES * sz;
        for (int64_t b = 0; b < VL * LANES * sz; b += 64) __builtin_prefetch(base + b + PREFETCH_BYTES, 0, PREFETCH_LOCALITY);
    }
    /* A slice of LANES elements: lane vector m is +0 + its elements m * VL.., compensations +0. */
#define ROW_S(q, m) (z + load_as_f64(dtype, x, (j + (q)) * LANES + (m) * VL))
#define ROW_C(q, m) z
    FOLD_ROWS(ROW_S, ROW_C, hi, lo);
#undef ROW_S
#undef ROW_C
    return store_slices(hi, lo, out + j, stream);
}
#endif

static unsigned k_slice_sums(int dtype, const void *x, int64_t n, int64_t k, int64_t j, double *out, int stream) {
#if VL == 8 || VL == 4
    if (k == LANES) return slice_row_sums(dtype, x, n, j, out, stream);
#else
    (void)stream;
#endif
    vd s[LANES], c[LANES];
    memset(s, 0, sizeof s); /* +0.0 in every lane, as the loop form; that one compiled to scalar stores */
    memset(c, 0, sizeof c);
    int64_t i = 0;
    if (k > SLICE_ROWS_MAX) {
        /* Each slice's lanes on their own, then folded VL at a time with the transpose fused
         * into the fold (FOLD_ROWS): the same operations per lane, in the same order, as below.
         * In cache two slices at a time, interleaved; from memory that read 27-36 GB/s against
         * 44-46 one at a time (2^24, two threads). Measured at k = 64 (Zen 5, AVX-512, C
         * harness, libraries alternating): one thread at 2^17, 38-41 GB/s against 30-33 with
         * separate transposes and folds; two threads at 2^24, 1.00-1.09 of a fast sum in the
         * same run against 0.85-1.02. */
        vd ls[VL][NV], lc[VL][NV];
        if (n * (dtype == PL_F64 ? 8 : 4) <= GROUP_MAX_BYTES)
            for (int q = 0; q < VL; q += 2)
                accurate_lanes2(dtype, x, (j + q) * k, (j + q + 1) * k, k, ls[q], lc[q], ls[q + 1], lc[q + 1]);
        else
            for (int q = 0; q < VL; q++) accurate_lanes(dtype, x, (j + q) * k, k, ls[q], lc[q]);
#if VL == 8 || VL == 4
        vd hi, lo;
#define LANE_S(q, m) ls[q][m]
#define LANE_C(q, m) lc[q][m]
        FOLD_ROWS(LANE_S, LANE_C, hi, lo);
#undef LANE_S
#undef LANE_C
        return store_slices(hi, lo, out + j, stream);
#else
        for (int m = 0; m < NV; m++) {
            vd rs[VL], rc[VL];
            for (int q = 0; q < VL; q++) {
                rs[q] = ls[q][m];
                rc[q] = lc[q][m];
            }
            transpose(rs);
            transpose(rc);
            for (int l = 0; l < VL; l++) {
                s[m * VL + l] = rs[l];
                c[m * VL + l] = rc[l];
            }
        }
        i = k;
#endif
    }
    /* LANES elements of VL slices at a time: each slice's run loaded whole (NV vectors, a row
     * of each VL x VL block), transposed so that vector l holds lane l of every slice. Reading
     * along the slices, not across them, keeps this at the speed of a sum from memory too. */
    for (; i + LANES <= k; i += LANES)
        for (int m = 0; m < NV; m++) {
            vd r[VL];
            for (int q = 0; q < VL; q++) r[q] = load_as_f64(dtype, x, (j + q) * k + i + m * VL);
            transpose(r);
            for (int l = 0; l < VL; l++) TWO_SUM(s[m * VL + l], c[m * VL + l], r[l]);
        }
    for (int l = 0; i < k; i++, l++) {
        vd v;
        for (int q = 0; q < VL; q++) v[q] = elem_as_f64(dtype, x, (j + q) * k + i);
        TWO_SUM(s[l], c[l], v);
    }
    vd hi, lo;
    FOLD_TREE(vd, s, c, &hi, &lo);
#if VL == 8 || VL == 4
    return store_slices(hi, lo, out + j, stream);
#else
    vd r = hi + lo;
    unsigned bad = 0;
    for (int q = 0; q < VL; q++) {
        if (!isfinite(hi[q]) || !isfinite(lo[q])) bad |= 1u << q;
        out[j + q] = r[q];
    }
    return bad;
#endif
}

/*
 * The TwoSum ceiling: the accurate sum's arithmetic (TwoSum into 8 lanes) on 4 interleaved
 * register groups of 8 lanes each, with no blocks, folds or accumulator. What accurate mode
 * could reach if its only cost were TwoSum itself; the report's c-twosum row.
 */
static double k_probe_twosum(const double *x, int64_t lo, int64_t hi) {
    vd s[4][NV], c[4][NV];
    for (int g = 0; g < 4; g++)
        for (int k = 0; k < NV; k++) s[g][k] = c[g][k] = (vd){0};
    int64_t i = lo;
    for (; i + 4 * LANES <= hi; i += 4 * LANES)
        for (int g = 0; g < 4; g++)
            for (int k = 0; k < NV; k++) {
                vd v = load_as_f64(PL_F64, x, i + g * LANES + k * VL);
                TWO_SUM(s[g][k], c[g][k], v);
            }
    double r = 0;
    for (int g = 0; g < 4; g++)
        for (int k = 0; k < NV; k++)
            for (int l = 0; l < VL; l++) r += s[g][k][l] + c[g][k][l];
    for (; i < hi; i++) r += x[i];
    return r;
}

#define PL_STR2(x) #x
#define PL_STR(x) PL_STR2(x)

const pl_impl PL_IMPL_NAME = {
    .name = PL_STR(PL_IMPL_NAME),
    .sum = k_sum,
    .sum_small = k_sum_small,
    .sum_small2 = k_sum_small2,
    .sum_pairs = k_sum_pairs,
    .dot = k_dot,
    .dot_pairs = k_dot_pairs,
    .centered = k_centered,
    .centered_pairs = k_centered_pairs,
    .extremum = k_extremum,
    .integer_sum = k_integer_sum,
    .integer_dot = k_integer_dot,
    .binary = k_binary,
    .scale = k_scale,
    .axpy = k_axpy,
    .fill = k_fill,
    .slice_sums = k_slice_sums,
    .slice_batch = VL,
    .probe = k_probe,
    .probe_twosum = k_probe_twosum,
};
