/*
 * Reductions: argument checks, the one "for blocks, then merge" loop, and finishes.
 *
 * Every reduction is a partial state (paralelo.h): over_blocks gives each thread of the team
 * (team.c) a part of the block partition (pl_partition), lets it accumulate its part into a
 * private identity, and merges the private states into the caller's. Merges are exact,
 * associative and commutative, so neither the thread count nor the merge order can change a
 * bit. pl_reduce, pl_variance and pl_dot are a partial over the whole array and its finish.
 * Java's twin is dev.paralelo.kernel.Reductions.
 */
#include "impl.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int pl_partition(int64_t n, int64_t parts, int64_t index, int64_t *lo, int64_t *hi) {
    if (n < 0 || n > PL_MAX_COUNT || parts < 1 || index < 0 || index >= parts || !lo || !hi ||
        parts > INT32_MAX)
        return PL_E_ARG;
    int64_t blocks = n / PL_BLOCK + (n % PL_BLOCK != 0);
    /* floor(blocks * i / parts) without overflow: blocks = q * parts + r. */
    int64_t q = blocks / parts, r = blocks % parts;
    int64_t b0 = q * index + r * index / parts;
    int64_t b1 = q * (index + 1) + r * (index + 1) / parts;
    *lo = b0 < blocks ? b0 * PL_BLOCK : n; /* the last block may end at n, short of a whole one */
    *hi = b1 < blocks ? b1 * PL_BLOCK : n;
    return PL_OK;
}

/* What a range kernel needs besides the range and the state. */
typedef struct job {
    const pl_impl *im;
    int dtype, op, mode;
    const void *x, *y;
} job;

typedef union any_state {
    pl_acc acc;
    pl_wide wide;
    pl_extremum extremum;
    pl_centered centered;
    pl_moments moments;
} any_state;

/* Runs the range kernel of the job's reduction over [lo, hi), into state. */
static void accumulate(const job *j, int kind, int64_t lo, int64_t hi, void *state) {
    const pl_impl *im = j->im;
    switch (kind) {
    case PL_STATE_SUM:
        if (j->op == PL_DOT)
            im->dot(j->dtype, j->mode, j->x, j->y, lo, hi, state);
        else
            im->sum(j->dtype, j->mode, j->x, lo, hi, state);
        break;
    case PL_STATE_INTEGER:
        if (j->op == PL_DOT)
            im->integer_dot(j->dtype, j->x, j->y, lo, hi, state);
        else
            im->integer_sum(j->dtype, j->x, lo, hi, state);
        break;
    case PL_STATE_EXTREMUM: im->extremum(j->dtype, j->x, lo, hi, state); break;
    case PL_STATE_CENTERED: {
        pl_centered *c = state;
        if (isfinite(c->center))
            im->centered(j->dtype, j->mode, j->x, lo, hi, c);
        else
            c->count += hi - lo; /* no finite centre (a sample with an infinity or NaN): NaN */
        break;
    }
    default: {
        pl_moments *m = state;
        for (int64_t b = lo; b < hi; b += PL_BLOCK) {
            int64_t e = hi - b < PL_BLOCK ? hi : b + PL_BLOCK;
            im->integer_sum(j->dtype, j->x, b, e, &m->sum);
            im->integer_dot(j->dtype, j->x, j->x, b, e, &m->sumsq); /* the block is in cache */
        }
        m->count += hi - lo;
        break;
    }
    }
}

/* The empty state that a thread's part starts from: what pl_state_init gives for this state's
 * dtype, op and centre. */
static void identity_of(int kind, const void *state, any_state *id) {
    memset(id, 0, sizeof *id);
    if (kind == PL_STATE_EXTREMUM) {
        id->extremum.dtype = ((const pl_extremum *)state)->dtype;
        id->extremum.op = ((const pl_extremum *)state)->op;
    } else if (kind == PL_STATE_CENTERED) {
        id->centered.center = ((const pl_centered *)state)->center;
    }
}

/* Time per element on one core that the team-size rule assumes (paralelo.h, PL_COST_*):
 * exact float sums cost what TwoSum does, the rest what a read does; a dot reads two arrays. */
static int job_cost(const job *j, int kind) {
    int accurate = (kind == PL_STATE_SUM || kind == PL_STATE_CENTERED) && j->mode == PL_ACCURATE;
    return (accurate ? PL_COST_ACCURATE : PL_COST_READ) * (j->y ? 2 : 1);
}

/* The one "for blocks, then merge" loop: [lo, hi) (lo block-aligned) split by the block
 * partition between the team, each part accumulated into a private identity on its thread's
 * stack, and the parts merged by the calling thread after the team has joined. A part crosses
 * cores as small as it can: an accumulator (1 KiB) is normalised where it was made and only
 * its few nonzero digits are copied out (pl_acc_pack). The cost this saves was measured: on
 * the 2-core AMD VM a parallel call on 2 threads cost 6.9 us more than its work, against 2.5-3
 * us for an empty OpenMP region, when each thread copied out whole states and the parts were
 * merged pairwise across barriers; on the 16-core Xeon the whole states added 4 to 6 us. The
 * team-size rule measures its cost on this very code (pl_time_team). Merges are exact, so the
 * order cannot change a bit. */
#define TEAM_ON_STACK 8 /* parts on the stack (a part is up to 2.2 KiB); larger teams malloc */

static int on_team(const job *j, int kind, int64_t lo, int64_t hi, int t, void *state);

static void over_blocks(const job *j, int kind, int64_t lo, int64_t hi, int threads, void *state) {
    int t = pl_team_size(threads, hi - lo, job_cost(j, kind));
    if (t == 1)
        accumulate(j, kind, lo, hi, state);
    else
        on_team(j, kind, lo, hi, t, state);
}

/* What the team-size rule calls a parallel region's cost (cpu.c): a fast sum of one block on
 * t threads, the wake-up, the parts' merges and the wait; the fastest of 9 after 3 that start
 * the threads (the fastest, not the median: under load most calls wait for a core). A call that
 * got no team (every team held, TEAMS_MAX callers at once) ran alone, measured nothing, and is
 * taken again. */
int64_t pl_time_team(int t) {
    static const double x[PL_BLOCK];
    const pl_impl *im = pl_impl_active();
    if (!im || t < 2) return 0;
    job j = {im, PL_F64, PL_SUM, PL_FAST, x, NULL};
    int64_t s[9];
    for (int i = -3, tries = 0; i < 9; tries++) {
        pl_acc acc;
        pl_acc_init(&acc);
        int64_t t0 = pl_now_ns();
        int ran = on_team(&j, PL_STATE_SUM, 0, PL_BLOCK, t, &acc);
        int64_t dt = pl_now_ns() - t0;
        if (ran == 1 && tries < 1000) continue;
        if (i >= 0) s[i] = ran == 1 ? INT64_MAX / 2 : dt; /* never had the team: "too costly" */
        i++;
    }
    int64_t best = s[0];
    for (int a = 1; a < 9; a++)
        if (s[a] < best) best = s[a];
    return best;
}

/* A team's part: the state, with the nonzero digit spans of its accumulators when packed. */
typedef struct team_part {
    any_state s;
    int span[2][2];
} team_part;

/* Copies the thread's state `mine` into its part, packed where the state is accumulators. */
static void pack_part(int kind, team_part *part, any_state *mine) {
    switch (kind) {
    case PL_STATE_SUM: pl_acc_pack(&part->s.acc, part->span[0], &mine->acc); break;
    case PL_STATE_CENTERED:
        part->s.centered.center = mine->centered.center;
        part->s.centered.count = mine->centered.count;
        pl_acc_pack(&part->s.centered.dev, part->span[0], &mine->centered.dev);
        pl_acc_pack(&part->s.centered.sq, part->span[1], &mine->centered.sq);
        break;
    case PL_STATE_INTEGER: part->s.wide = mine->wide; break;
    case PL_STATE_EXTREMUM: part->s.extremum = mine->extremum; break;
    default: part->s.moments = mine->moments; break;
    }
}

/* Merges a part into the caller's state (parts of one call: counts cannot overflow). */
static void merge_part(int kind, void *state, const team_part *part) {
    switch (kind) {
    case PL_STATE_SUM: pl_acc_add_packed(state, &part->s.acc, part->span[0]); break;
    case PL_STATE_CENTERED: {
        pl_centered *c = state;
        pl_acc_add_packed(&c->dev, &part->s.centered.dev, part->span[0]);
        pl_acc_add_packed(&c->sq, &part->s.centered.sq, part->span[1]);
        c->count += part->s.centered.count;
        break;
    }
    default: (void)pl_merge(kind, state, &part->s); break;
    }
}

/* One call on the team: what each thread needs to accumulate its part and pack it. */
typedef struct team_call {
    const job *j;
    int kind;
    int64_t lo, hi;
    const void *state;
    team_part *parts;
} team_call;

static void team_part_of(void *arg, int id, int nt) {
    const team_call *c = arg;
    any_state mine; /* on this thread's stack: no line shared while it works */
    identity_of(c->kind, c->state, &mine);
    int64_t a, b;
    pl_partition(c->hi - c->lo, nt, id, &a, &b);
    if (a < b) accumulate(c->j, c->kind, c->lo + a, c->lo + b, &mine);
    pack_part(c->kind, &c->parts[id], &mine);
}

/* Returns the threads it ran on: t, fewer, or 1 when no team was to be had (the same bits). */
static int on_team(const job *j, int kind, int64_t lo, int64_t hi, int t, void *state) {
    team_part on_stack[TEAM_ON_STACK];
    team_part *parts = t <= TEAM_ON_STACK ? on_stack : malloc((size_t)t * sizeof *parts);
    if (!parts) { /* no memory for the parts: the same bits on the calling thread */
        accumulate(j, kind, lo, hi, state);
        return 1;
    }
    team_call c = {j, kind, lo, hi, state, parts};
    int nt = pl_team_run(t, team_part_of, &c);
    for (int id = 0; id < nt; id++) merge_part(kind, state, &parts[id]);
    if (parts != on_stack) free(parts);
    if (nt == 0) pl_guard_raise(); /* a part faulted: the call returns PL_E_FAULT */
    return nt;
}

static int check_array(int dtype, const void *x, int64_t n) {
    if (pl_dtype_size(dtype) == 0 || n < 0) return PL_E_ARG;
    if (n > 0 && !x) return PL_E_ARG;
    return PL_OK;
}

static int check_mode(int mode) { return mode == PL_ACCURATE || mode == PL_FAST ? PL_OK : PL_E_ARG; }

/* A range a partial may cover: inside [0, n), each end on a block boundary or at n. */
static int check_range(int64_t n, int64_t lo, int64_t hi) {
    if (lo < 0 || hi < lo || hi > n) return PL_E_INDEX;
    if ((lo % PL_BLOCK != 0 && lo != n) || (hi % PL_BLOCK != 0 && hi != n)) return PL_E_ALIGN;
    return PL_OK;
}

/* Whether a state made by pl_state_init fits (dtype, op). */
static int state_fits(int kind, int dtype, int op, const void *state) {
    if (kind != PL_STATE_EXTREMUM) return 1;
    const pl_extremum *e = state;
    return e->dtype == dtype && e->op == op;
}

static int partial(const job *j, int64_t n, int64_t lo, int64_t hi, int threads, void *state) {
    if (!j->im) return PL_E_CONFIG;
    int kind = pl_state_kind(j->dtype, j->op);
    if (kind < 0 || !state || check_mode(j->mode)) return PL_E_ARG;
    int s = check_range(n, lo, hi);
    if (s) return s;
    if (!state_fits(kind, j->dtype, j->op, state)) return PL_E_MISMATCH;
    if (kind == PL_STATE_EXTREMUM && !pl_extremum_fits(state)) return PL_E_ARG;
    s = pl_state_room(kind, state, hi - lo); /* a forged count or accumulator; a count that would pass 2^62 */
    if (s) return s;
    over_blocks(j, kind, lo, hi, threads, state);
    return PL_OK;
}

__attribute__((noinline)) static int partial_work(int dtype, int op, const void *x, int64_t n, int64_t lo, int64_t hi, int mode,
                        int threads, void *state) {
    if (check_array(dtype, x, n) || op == PL_DOT) return PL_E_ARG;
    job j = {pl_impl_active(), dtype, op == PL_MEAN ? PL_SUM : op, mode, x, NULL};
    return partial(&j, n, lo, hi, threads, state);
}

int pl_partial(int dtype, int op, const void *x, int64_t n, int64_t lo, int64_t hi, int mode,
               int threads, void *state) {
    PL_GUARDED(partial_work(dtype, op, x, n, lo, hi, mode, threads, state));
}

__attribute__((noinline)) static int partial_dot_work(int dtype, const void *x, const void *y, int64_t n, int64_t lo, int64_t hi,
                            int mode, int threads, void *state) {
    if (check_array(dtype, x, n) || check_array(dtype, y, n)) return PL_E_ARG;
    job j = {pl_impl_active(), dtype, PL_DOT, mode, x, y};
    return partial(&j, n, lo, hi, threads, state);
}

int pl_partial_dot(int dtype, const void *x, const void *y, int64_t n, int64_t lo, int64_t hi,
                   int mode, int threads, void *state) {
    PL_GUARDED(partial_dot_work(dtype, x, y, n, lo, hi, mode, threads, state));
}

/*
 * The exact sum of a few doubles, rounded once: what the accumulator gives for them, without its
 * 1 KiB to clear, fill and scan (about 400 ns, which doubled the cost of a fast sum of two
 * blocks). The values are kept as nonoverlapping partials, each addition an exact Fast2Sum
 * (Shewchuk's expansion growth, zero partials dropped); the partials are then added from the
 * largest down, and a result that lands exactly halfway between two doubles is settled by the
 * sign of what lies below (the correction Python's math.fsum makes). Java's twin is
 * dev.paralelo.kernel.FewSum.
 */
#define FEW_BLOCKS 32 /* blocks a sum takes this way at most: 2 values each */

typedef struct few_sum {
    int n;
    double p[2 * FEW_BLOCKS + 1];
} few_sum;

/* Adds v exactly; 0 when a partial overflowed (the caller then takes the accumulator). */
static int few_add(few_sum *s, double v) {
    int k = 0;
    for (int i = 0; i < s->n; i++) {
        double y = s->p[i];
        if (fabs(v) < fabs(y)) {
            double t = v;
            v = y;
            y = t;
        }
        double hi = v + y, lo = y - (hi - v);
        if (lo != 0.0) s->p[k++] = lo;
        v = hi;
    }
    if (!isfinite(v)) return 0;
    s->p[k++] = v;
    s->n = k;
    return 1;
}

/* The partials' exact sum rounded once to nearest even, +0.0 for zero; NaN when the result is
 * not safely below overflow (the caller then takes the accumulator, which rounds there exactly). */
static double few_round(const few_sum *s) {
    int i = s->n;
    if (i == 0) return 0.0;
    double hi = s->p[--i], lo = 0.0;
    while (i > 0) {
        double x = hi, y = s->p[--i];
        hi = x + y;
        lo = y - (hi - x);
        if (lo != 0.0) break;
    }
    /* hi + lo is exact and hi is it rounded. When lo is half an ulp of hi, round to even may
     * have gone the wrong way: the partials below, of lo's sign, push the sum past halfway. */
    if (i > 0 && ((lo < 0.0 && s->p[i - 1] < 0.0) || (lo > 0.0 && s->p[i - 1] > 0.0))) {
        double y = lo * 2.0, x = hi + y;
        if (y == x - hi) hi = x;
    }
    return isfinite(hi) && fabs(hi) < DBL_MAX ? hi + 0.0 : (double)NAN;
}

/* The exact sum of values doubles (the blocks' pairs, at most 2 * FEW_BLOCKS), rounded once as
 * the accumulator rounds it; NaN when a partial or the result is not safely below DBL_MAX (the
 * caller then takes the accumulator). One block's pair, or none, is one IEEE addition (+0.0 for
 * zero, as the accumulator gives). */
static double pairs_total(const double *pairs, int64_t values) {
    if (values <= 2) {
        double r = values ? pairs[0] + pairs[1] : 0.0;
        return isfinite(r) && fabs(r) < DBL_MAX ? r + 0.0 : (double)NAN;
    }
    few_sum s;
    s.n = 0; /* few_add reads only the partials it has written */
    for (int64_t i = 0; i < values; i++)
        if (pairs[i] != 0.0 && !few_add(&s, pairs[i])) return (double)NAN;
    return few_round(&s);
}

/* A few blocks' partials computed by a team: each thread those of its part of the partition. */
typedef struct pairs_call {
    const pl_impl *im;
    int dtype, mode;
    const void *x, *y; /* y: a dot's second array; NULL for a sum */
    int64_t n;
    double *pairs;
    int failed; /* a partial was not finite (atomic) */
} pairs_call;

static void team_pairs_of(void *arg, int id, int nt) {
    pairs_call *c = arg;
    int64_t a, b;
    pl_partition(c->n, nt, id, &a, &b);
    if (a >= b) return;
    double *at = c->pairs + 2 * (a / PL_BLOCK);
    if (c->y ? !c->im->dot_pairs(c->dtype, c->mode, c->x, c->y, a, b, at)
             : !c->im->sum_pairs(c->dtype, c->mode, c->x, a, b, at))
        __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED);
}

/* The sum (y == NULL) or dot of n <= FEW_BLOCKS * PL_BLOCK floats through few_sum, from the
 * blocks' partials as the sum or dot kernel computes them, on t threads (each computes the
 * partials of its part, the caller adds them all): 1 and *out when every partial and the result
 * are finite, else 0. The partials do not depend on who computed them, so neither does a bit of
 * the result. */
static int few_blocks(const pl_impl *im, int dtype, int mode, const void *x, const void *y, int64_t n,
                      int t, double *out) {
    double pairs[2 * FEW_BLOCKS];
    if (t <= 1) { /* on this thread: no partition to compute, no team to ask */
        if (y ? !im->dot_pairs(dtype, mode, x, y, 0, n, pairs) : !im->sum_pairs(dtype, mode, x, 0, n, pairs))
            return 0;
    } else {
        pairs_call c = {im, dtype, mode, x, y, n, pairs, 0};
        if (pl_team_run(t, team_pairs_of, &c) == 0) pl_guard_raise(); /* a part faulted */
        if (__atomic_load_n(&c.failed, __ATOMIC_RELAXED)) return 0;
    }
    *out = pairs_total(pairs, 2 * ((n + PL_BLOCK - 1) / PL_BLOCK));
    return !isnan(*out);
}

/* Sum, or mean when `mean` is set, of floats: a single block's partial rounded directly (hi + lo
 * is its exact sum rounded once, the bits the accumulator would give); up to FEW_BLOCKS blocks,
 * their partials summed exactly by few_sum; else the partial over the blocks. A mean
 * is that sum / n, except that a finite sum past DBL_MAX gives its finite mean (pl_acc_mean);
 * the first two ways never take such a sum. */
static double float_sum(const pl_impl *im, int dtype, const void *x, int64_t n, int mode,
                        int threads, int mean) {
    double s, pair[2];
    if (n <= PL_BLOCK && im->sum_small(dtype, mode, x, n, pair)) {
        s = pair[0] + pair[1];
        return mean ? s / (double)n : s; /* 0/0 is NaN for an empty mean */
    }
    job j = {im, dtype, PL_SUM, mode, x, NULL};
    if (n > PL_BLOCK && n <= FEW_BLOCKS * PL_BLOCK &&
        few_blocks(im, dtype, mode, x, NULL, n, pl_team_size(threads, n, job_cost(&j, PL_STATE_SUM)), &s))
        return mean ? s / (double)n : s;
    pl_acc acc;
    pl_acc_init(&acc);
    over_blocks(&j, PL_STATE_SUM, 0, n, threads, &acc);
    if (mean)
        s = pl_acc_mean_checked(&acc, n);
    else
        pl_acc_round_scaled(&acc, 0, &s);
    return s;
}

/* pl_reduce without the argument checks; slices.c runs it on one thread per slice. */
static int reduce_checked(const pl_impl *im, int dtype, int op, const void *x, int64_t n,
                          int mode, int threads, double *out_f, int64_t *out_i) {
    if (op == PL_MIN || op == PL_MAX) {
        if (n == 0) return PL_E_EMPTY;
        job j = {im, dtype, op, mode, x, NULL};
        pl_extremum st;
        pl_state_init(&st, dtype, op, 0);
        over_blocks(&j, PL_STATE_EXTREMUM, 0, n, threads, &st);
        int64_t index;
        return pl_extremum_result(&st, out_f, out_i, &index);
    }
    if (pl_dtype_is_float(dtype)) {
        *out_f = float_sum(im, dtype, x, n, mode, threads, op == PL_MEAN);
        return PL_OK;
    }
    job j = {im, dtype, PL_SUM, mode, x, NULL};
    pl_wide w = {{0}};
    over_blocks(&j, PL_STATE_INTEGER, 0, n, threads, &w);
    if (op == PL_MEAN) {
        double s;
        pl_wide_to_f64(&w, &s);
        *out_f = s / (double)n;
        return PL_OK;
    }
    return pl_wide_to_i64(&w, out_i);
}

int pl_reduce_serial(const pl_impl *im, int dtype, int op, const void *x, int64_t n, int mode,
                     double *out_f, int64_t *out_i) {
    return reduce_checked(im, dtype, op, x, n, mode, 1, out_f, out_i);
}

__attribute__((noinline)) static int reduce_work(int dtype, int op, const void *x, int64_t n, int mode, int threads,
                       double *out_f, int64_t *out_i) {
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    if (check_array(dtype, x, n) || !out_f || !out_i || check_mode(mode)) return PL_E_ARG;
    if (op < PL_SUM || op > PL_MAX) return PL_E_ARG;
    return reduce_checked(im, dtype, op, x, n, mode, threads, out_f, out_i);
}

int pl_reduce(int dtype, int op, const void *x, int64_t n, int mode, int threads,
              double *out_f, int64_t *out_i) {
    PL_GUARDED(reduce_work(dtype, op, x, n, mode, threads, out_f, out_i));
}

/* The centre of the float variance: the accurate mean of its sample (pl_variance_center), x
 * itself when n <= PL_BLOCK, else the S = PL_VARIANCE_SAMPLE elements floor((2k + 1) n / 2S),
 * each as (2k + 1) q + ((2k + 1) r >> log2(2S)) with n = 2S q + r, which cannot overflow. */
static double variance_center(const pl_impl *im, int dtype, const void *x, int64_t n) {
    _Static_assert((PL_VARIANCE_SAMPLE & (PL_VARIANCE_SAMPLE - 1)) == 0, "a power of two");
    if (n <= PL_BLOCK) return float_sum(im, dtype, x, n, PL_ACCURATE, 1, 1);
    union {
        double f64[PL_VARIANCE_SAMPLE];
        float f32[PL_VARIANCE_SAMPLE];
    } sample;
    const int shift = __builtin_ctzll(2 * PL_VARIANCE_SAMPLE);
    int64_t q = n / (2 * PL_VARIANCE_SAMPLE), r = n % (2 * PL_VARIANCE_SAMPLE);
    for (int64_t k = 0; k < PL_VARIANCE_SAMPLE; k++) {
        int64_t i = (2 * k + 1) * q + ((2 * k + 1) * r >> shift);
        if (dtype == PL_F64)
            sample.f64[k] = ((const double *)x)[i];
        else
            sample.f32[k] = ((const float *)x)[i];
    }
    return float_sum(im, dtype, &sample, PL_VARIANCE_SAMPLE, PL_ACCURATE, 1, 1);
}

__attribute__((noinline)) static int variance_center_work(int dtype, const void *x, int64_t n, double *center) {
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    if (check_array(dtype, x, n) || !center || !pl_dtype_is_float(dtype)) return PL_E_ARG;
    *center = variance_center(im, dtype, x, n);
    return PL_OK;
}

int pl_variance_center(int dtype, const void *x, int64_t n, double *center) {
    PL_GUARDED(variance_center_work(dtype, x, n, center));
}

/* The centred sums of a float variance of up to FEW_BLOCKS blocks around center, each rounded once
 * from the blocks' partials (pairs_total) as pl_centered_finish rounds its accumulators: 1 and
 * *sq, *sd when every partial is finite and the sums are at the scale where that finish takes
 * them as they are (centered_sums: Q finite, |D| < 2^500), else 0. */
static int few_centered(const pl_impl *im, int dtype, int mode, const void *x, int64_t n, double center, double *sq,
                        double *sd) {
    double q[2 * FEW_BLOCKS], d[2 * FEW_BLOCKS];
    if (!im->centered_pairs(dtype, mode, x, 0, n, center, q, d)) return 0;
    const int64_t values = 2 * ((n + PL_BLOCK - 1) / PL_BLOCK);
    *sq = pairs_total(q, values);
    *sd = pairs_total(d, values);
    return !isnan(*sq) && !isnan(*sd) && fabs(*sd) < 0x1p500;
}

/*
 * A float variance of up to FEW_BLOCKS blocks on one thread without the two 1 KiB accumulators
 * of its centred state (clearing, filling and rounding them took most of a small variance's
 * time): its sums rounded once from the blocks' partials, as for a few-block sum, then
 * pl_centered_finish's rule and formula, again around c + D/n when the centre proves far from
 * the mean, as variance_work does. The same bits; 0 (nothing written) whenever the state's path
 * could differ: a block that is not finite, sums too large, or a centre that is not finite.
 */
static int few_variance(const pl_impl *im, int dtype, int mode, const void *x, int64_t n, int ddof, double center,
                        double *out) {
    double sq, sd;
    if (!isfinite(center) || !few_centered(im, dtype, mode, x, n, center, &sq, &sd)) return 0;
    if (16.0 * (sd * sd) > sq * (double)n) {
        double c = center + sd / (double)n;
        if (isfinite(c) && c != center && !few_centered(im, dtype, mode, x, n, c, &sq, &sd)) return 0;
    }
    *out = (sq - sd * sd / (double)n) / (double)(n - ddof);
    return 1;
}

__attribute__((noinline)) static int variance_work(int dtype, const void *x, int64_t n, int ddof, int mode, int threads,
                         double *out) {
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    if (check_array(dtype, x, n) || !out || ddof < 0 || check_mode(mode)) return PL_E_ARG;
    if (n - ddof <= 0) {
        *out = NAN; /* numpy: no degrees of freedom left */
        return PL_OK;
    }
    job j = {im, dtype, PL_VAR, mode, x, NULL};
    if (!pl_dtype_is_float(dtype)) {
        pl_moments m;
        pl_state_init(&m, dtype, PL_VAR, 0);
        over_blocks(&j, PL_STATE_MOMENTS, 0, n, threads, &m);
        return pl_variance_result(PL_STATE_MOMENTS, &m, ddof, out);
    }
    /* The sums of deviations from the sample's centre; again around a better one when that
     * centre proves far from the mean (pl_variance_recenter). */
    double center = variance_center(im, dtype, x, n);
    if (n <= FEW_BLOCKS * PL_BLOCK && pl_team_size(threads, n, job_cost(&j, PL_STATE_CENTERED)) == 1 &&
        few_variance(im, dtype, mode, x, n, ddof, center, out))
        return PL_OK;
    pl_centered c;
    pl_state_init(&c, dtype, PL_VAR, center);
    over_blocks(&j, PL_STATE_CENTERED, 0, n, threads, &c);
    double next;
    pl_centered_finish(&c, ddof, 0, out, &next);
    if (next == next) {
        pl_state_init(&c, dtype, PL_VAR, next);
        over_blocks(&j, PL_STATE_CENTERED, 0, n, threads, &c);
        pl_centered_finish(&c, ddof, 1, out, &next);
    }
    return PL_OK;
}

int pl_variance(int dtype, const void *x, int64_t n, int ddof, int mode, int threads,
                double *out) {
    PL_GUARDED(variance_work(dtype, x, n, ddof, mode, threads, out));
}

__attribute__((noinline)) static int dot_work(int dtype, const void *x, const void *y, int64_t n, int mode, int threads,
                    double *out_f, int64_t *out_i) {
    const pl_impl *im = pl_impl_active();
    if (!im) return PL_E_CONFIG;
    if (check_array(dtype, x, n) || check_array(dtype, y, n) || !out_f || !out_i ||
        check_mode(mode))
        return PL_E_ARG;
    job j = {im, dtype, PL_DOT, mode, x, y};
    if (pl_dtype_is_float(dtype)) {
        /* Up to FEW_BLOCKS blocks, their partials summed exactly by few_sum (one block: its hi
         * and lo), as float_sum does: the accumulator's bits without its cost (about 150 ns, most
         * of a dot of a few hundred elements); else, or when a block takes its exact products,
         * the accumulator. */
        if (n <= FEW_BLOCKS * PL_BLOCK &&
            few_blocks(im, dtype, mode, x, y, n, pl_team_size(threads, n, job_cost(&j, PL_STATE_SUM)), out_f))
            return PL_OK;
        pl_acc acc;
        pl_acc_init(&acc);
        over_blocks(&j, PL_STATE_SUM, 0, n, threads, &acc);
        pl_acc_round_scaled(&acc, 0, out_f);
        return PL_OK;
    }
    pl_wide w = {{0}};
    over_blocks(&j, PL_STATE_INTEGER, 0, n, threads, &w);
    return pl_wide_to_i64(&w, out_i);
}

int pl_dot(int dtype, const void *x, const void *y, int64_t n, int mode, int threads,
           double *out_f, int64_t *out_i) {
    PL_GUARDED(dot_work(dtype, x, y, n, mode, threads, out_f, out_i));
}
