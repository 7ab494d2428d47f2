/*
 * Slice reductions. Each slice is reduced exactly as pl_reduce reduces an array of its own
 * (blocks counted from the slice start), by one thread, so a slice's bits never depend on how
 * slices were shared out, nor differ from the whole-array kernel's. Java's twin is
 * dev.paralelo.kernel.Slices.
 */
#include "impl.h"

/*
 * Slices of one block at most (SLICE_BATCH_MAX = PL_BLOCK elements) go through im->slice_sums,
 * a batch of slices per SIMD vector, whose lanes then fold together: vector l holds lane l of
 * every slice of the batch. Up to 16 elements each slice's run is loaded whole and transposed
 * in registers as it is read; longer slices have their lanes summed a slice at a time (two
 * slices interleaved in cache) and are folded a batch at a time, the transpose fused into the
 * fold (impl.c). Slices of exactly PL_LANES elements take a shorter way still (impl.c,
 * slice_row_sums). Longer slices go one at a time, as arrays of their own.
 * Measured (Zen 5, AVX-512, GB/s, C harness):
 * - When the batch gathered its slices element by element it lost from memory even at k = 8;
 *   reading k = 64 a row of every slice at a time lost too (12.6 vs 18.7).
 * - Batch (lanes transposed, then folded) vs one slice at a time: k = 8: 8.0 vs 6.3 at 2^17 on
 *   one thread, 7.0 vs 3.9 at 2^24; k = 16: 11-13 vs 10, 11-12 vs 8; k = 64: 29-30 vs 21 at
 *   2^17, 36-46 vs 27-40 at 2^24 on two. From k = 128 the two tied in cache and the batch lost
 *   from memory (k = 512 at 2^24 on two threads: 43-45 vs 49-63), so the batch stopped at 64.
 * - slice_row_sums at k = 8: 25-37 at 2^17 on one thread against the 8.0 above.
 * - The fused fold and, in cache, two slices interleaved: k = 64 at 2^17 on one thread 38-41
 *   against 30-33. With them the batch wins in cache up to a block and ties from memory (one
 *   thread at 2^17 / two at 2^24, the batch against one at a time, libraries alternating):
 *   k = 128: 45-48 vs 31 / 46-55 vs 46-51; k = 256: 49-53 vs 38 / 47-57 vs 53; k = 512: 54-55
 *   vs 38-43 / 55-58 vs 52-53; k = 1024: 54-55 vs 44-46 / 45-50 vs 48-56; k = 4096: 56 vs 47 /
 *   51-56 vs 46-58. So the batch now takes every slice of up to a block.
 */
#define SLICE_BATCH_MAX PL_BLOCK

/*
 * Sums of slices batched from an input larger than this go to memory with non-temporal stores
 * of a batch's VL sums at once, from a 64-byte aligned output (a whole line on AVX-512, half a
 * line on AVX2; the SSE2 build stores as usual). An input that size pushes the output out of
 * the caches anyway, and a plain store first reads its output line in: an eighth more traffic
 * at k = 8, which cost more than an eighth of the time. Measured on the
 * 2-core AMD EPYC (Zen 5, AVX-512), tools/lib-ab.c, libraries alternating, GB/s, two threads:
 * 2^24 doubles, k = 8: 32.4-32.9 plain, 40.5-43.1 streamed; k = 64: 43.8-44.3, 47.2-48.9;
 * 2^26: k = 8 33.8-34.0, 42.6-42.8. Inside the caches streaming loses (2^22, 32 MB, which the
 * probe read at 111-124: k = 8 56.0-58.6 against 60.7-61.9), and 64 MB was mixed (2^23: k = 8
 * 51.6-58.0 plain, 56.3-60.8 streamed), hence the bound. Not measured on Intel yet, whose
 * streaming stores also write whole lines without reading them. Not for means, whose sums are
 * read back to be divided.
 */
#define STREAM_MIN_BYTES ((int64_t)32 << 20)

static int slice_op_ok(int dtype, int op, const void *x, int64_t n, const void *out) {
    if (pl_dtype_size(dtype) == 0 || op < PL_SUM || op > PL_MAX || n < 0) return 0;
    return n == 0 || (x && out);
}

/* op over x[a, b), b > a, written to out[j] in the output type of (dtype, op). */
static int reduce_slice(const pl_impl *im, int dtype, int op, const void *x, int64_t a,
                        int64_t b, void *out, int64_t j) {
    const void *start = (const char *)x + a * pl_dtype_size(dtype);
    double f = 0;
    int64_t i = 0;
    int s = pl_reduce_serial(im, dtype, op, start, b - a, PL_ACCURATE, &f, &i);
    if (s != PL_OK) return s;
    if (op == PL_MEAN || (op == PL_SUM && pl_dtype_is_float(dtype)))
        ((double *)out)[j] = f;
    else if (op == PL_SUM || dtype == PL_I64)
        ((int64_t *)out)[j] = i;
    else if (dtype == PL_I32)
        ((int32_t *)out)[j] = (int32_t)i;
    else if (dtype == PL_F64)
        ((double *)out)[j] = f;
    else
        ((float *)out)[j] = (float)f;
    return PL_OK;
}

/* A slice call: what every range of it needs; status is written atomically. */
typedef struct slice_call {
    const pl_impl *im;
    int dtype, op;
    const void *x;
    int64_t n, k, first;
    void *out;
    const int64_t *offsets;
    int64_t m;
    int64_t next; /* pl_reduceat: the next chunk of slices to claim (atomic) */
    int status;
    int stream; /* batches store their sums with non-temporal stores (see STREAM_MIN_BYTES) */
} slice_call;

static void fail(slice_call *c, int s) { __atomic_store_n(&c->status, s, __ATOMIC_RELAXED); }

/* Batches [lo, hi) of slice_batch whole slices each, in SIMD lanes; the same bits as one by one. */
static void slice_batches(void *ctx, int id, int nt, int64_t lo, int64_t hi) {
    slice_call *c = ctx;
    (void)id;
    (void)nt;
    int64_t batch = c->im->slice_batch;
    double *o = c->out;
    for (int64_t g = lo; g < hi; g++) {
        int64_t j = g * batch;
        unsigned redo = c->im->slice_sums(c->dtype, c->x, c->n, c->k, j, o, c->stream);
        if (redo == 0 && c->op != PL_MEAN) continue;
        for (int64_t q = 0; q < batch; q++) {
            if (redo & (1u << q)) { /* not finite in a lane: the slice's exact path */
                int s = reduce_slice(c->im, c->dtype, c->op, c->x, (j + q) * c->k, (j + q + 1) * c->k, c->out, j + q);
                if (s != PL_OK) fail(c, s);
            } else if (c->op == PL_MEAN) {
                o[j + q] /= (double)c->k;
            }
        }
    }
    if (c->stream) __builtin_ia32_sfence(); /* the streamed sums are visible when the range ends */
}

/* Slices first + [lo, hi), one at a time. */
static void slice_singles(void *ctx, int id, int nt, int64_t lo, int64_t hi) {
    slice_call *c = ctx;
    (void)id;
    (void)nt;
    for (int64_t j = c->first + lo; j < c->first + hi; j++) {
        int64_t a = j * c->k, b = a + c->k < c->n ? a + c->k : c->n;
        int s = reduce_slice(c->im, c->dtype, c->op, c->x, a, b, c->out, j);
        if (s != PL_OK) fail(c, s);
    }
}

/* Runs fn over [0, count) on the t threads the rule chose (contiguous ranges); a part that
 * faulted on a truncated mapping ends the call with PL_E_FAULT. */
static void slice_split(int t, int64_t count, pl_range_fn fn, slice_call *c) {
    if (count > 0 && !pl_team_split(t, count, fn, c)) pl_guard_raise();
}

__attribute__((noinline)) static int slice_reduce_work(int dtype, int op, const void *x, int64_t n, int64_t k, void *out,
                             int threads) {
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    if (!slice_op_ok(dtype, op, x, n, out) || k < 1) return PL_E_ARG;
    int64_t m = n / k + (n % k != 0);
    int t = pl_team_size(threads, n, PL_COST_ACCURATE);
    slice_call c = {im, dtype, op, x, n, k, 0, out, NULL, 0, 0, PL_OK, 0};
    c.stream = op == PL_SUM && n * pl_dtype_size(dtype) > STREAM_MIN_BYTES && (uintptr_t)out % 64 == 0;
    /* Slices of up to 64 always go in batches (as they did when those were the only ones);
     * longer ones only when there are enough batches to keep the team busy: 4 batches of 8
     * slices of 4096 would leave 12 of 16 threads idle where 32 single slices keep them all. */
    if (pl_dtype_is_float(dtype) && (op == PL_SUM || op == PL_MEAN) && k <= SLICE_BATCH_MAX &&
        (k <= 64 || (n / k) / im->slice_batch >= t)) {
        int64_t batches = (n / k) / im->slice_batch;
        slice_split(t, batches, slice_batches, &c);
        c.first = batches * im->slice_batch; /* slices before it were done in batches */
    }
    slice_split(t, m - c.first, slice_singles, &c);
    return __atomic_load_n(&c.status, __ATOMIC_RELAXED);
}

int pl_slice_reduce(int dtype, int op, const void *x, int64_t n, int64_t k, void *out,
                    int threads) {
    PL_GUARDED(slice_reduce_work(dtype, op, x, n, k, out, threads));
}

/* Slices of pl_reduceat, claimed REDUCEAT_CHUNK at a time (their sizes may differ widely). */
#define REDUCEAT_CHUNK 64
/* The largest input whose float slices are summed two at a time (see reduceat_chunks). */
#define REDUCEAT_PAIRS_MAX_BYTES ((int64_t)16 << 20)

/* Reads slice j's ends (each offset read once, atomically, and checked where it is used: another
 * thread or process may write the offsets, or out may be them, while slices run, and a value
 * that changed after the check in pl_reduceat must never become an address): 1 and [*a, *b),
 * or 0 and the call fails with PL_E_INDEX. */
static int reduceat_slice(const slice_call *c, int64_t j, int64_t *a, int64_t *b) {
    *a = __atomic_load_n(&c->offsets[j], __ATOMIC_RELAXED);
    *b = j + 1 < c->m ? __atomic_load_n(&c->offsets[j + 1], __ATOMIC_RELAXED) : c->n;
    if (*a < 0 || *a >= c->n || *b < 0 || *b > c->n) return 0;
    if (*b <= *a) *b = *a + 1; /* numpy: a non-increasing pair yields x[a] */
    return 1;
}

/* A float slice's sum or mean from its finite partial (hi, lo): hi + lo is its exact sum rounded
 * once, what pl_reduce_serial returns for it. */
static void reduceat_store(const slice_call *c, int64_t j, int64_t len, const double *pair) {
    double s = pair[0] + pair[1];
    ((double *)c->out)[j] = c->op == PL_MEAN ? s / (double)len : s;
}

static void reduceat_chunks(void *ctx, int id, int nt, int64_t lo, int64_t hi) {
    slice_call *c = ctx;
    (void)id;
    (void)nt;
    (void)lo;
    (void)hi;
    const int64_t m = c->m;
    /* Float sums and means of slices of up to a block go two at a time, their lanes interleaved
     * (sum_small2): the same bits as one at a time, twice the independent chains; only for an
     * input that caches may hold, as the accurate sum interleaves blocks (impl.c, GROUP): from
     * memory a core waits for data, not for its chains, and two runs at once read worse. On the
     * 2-core AMD EPYC (Zen 4), slices of 1 to 127 doubles, one thread, ns a slice one at a time
     * / two: 44 / 36 at 2^20 elements, 44 / 37 at 2^21, 44 / 47 at 2^22, 45 / 60 at 2^23. */
    const int pairs = pl_dtype_is_float(c->dtype) && (c->op == PL_SUM || c->op == PL_MEAN) &&
                      c->n * pl_dtype_size(c->dtype) <= REDUCEAT_PAIRS_MAX_BYTES;
    for (;;) {
        int64_t from = __atomic_fetch_add(&c->next, REDUCEAT_CHUNK, __ATOMIC_RELAXED);
        if (from >= m) return;
        int64_t to = from + REDUCEAT_CHUNK < m ? from + REDUCEAT_CHUNK : m;
        for (int64_t j = from; j < to; j++) {
            int64_t a, b, a2, b2;
            if (!reduceat_slice(c, j, &a, &b)) {
                fail(c, PL_E_INDEX);
                continue;
            }
            if (pairs && j + 1 < to && b - a <= PL_BLOCK) {
                if (!reduceat_slice(c, j + 1, &a2, &b2)) {
                    fail(c, PL_E_INDEX);
                } else if (b2 - a2 <= PL_BLOCK) {
                    double p[2], q[2];
                    int ok = c->im->sum_small2(c->dtype, c->x, a, b - a, a2, b2 - a2, p, q);
                    int s = PL_OK;
                    if (ok & 1)
                        reduceat_store(c, j, b - a, p);
                    else
                        s = reduce_slice(c->im, c->dtype, c->op, c->x, a, b, c->out, j);
                    if (s != PL_OK) fail(c, s);
                    s = PL_OK;
                    if (ok & 2)
                        reduceat_store(c, j + 1, b2 - a2, q);
                    else
                        s = reduce_slice(c->im, c->dtype, c->op, c->x, a2, b2, c->out, j + 1);
                    if (s != PL_OK) fail(c, s);
                    j++;
                    continue;
                }
            }
            int s = reduce_slice(c->im, c->dtype, c->op, c->x, a, b, c->out, j);
            if (s != PL_OK) fail(c, s);
        }
    }
}

__attribute__((noinline)) static int reduceat_work(int dtype, int op, const void *x, int64_t n, const int64_t *offsets, int64_t m,
                         void *out, int threads) {
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    if (!slice_op_ok(dtype, op, x, n, out) || m < 0 || (m > 0 && (!offsets || !out)))
        return PL_E_ARG;
    for (int64_t j = 0; j < m; j++)
        if (offsets[j] < 0 || offsets[j] >= n) return PL_E_INDEX;
    int t = pl_team_size(threads, n, PL_COST_ACCURATE);
    slice_call c = {im, dtype, op, x, n, 0, 0, out, offsets, m, 0, PL_OK, 0};
    slice_split(t, m, reduceat_chunks, &c);
    return __atomic_load_n(&c.status, __ATOMIC_RELAXED);
}

int pl_reduceat(int dtype, int op, const void *x, int64_t n, const int64_t *offsets, int64_t m,
                void *out, int threads) {
    PL_GUARDED(reduceat_work(dtype, op, x, n, offsets, m, out, threads));
}
