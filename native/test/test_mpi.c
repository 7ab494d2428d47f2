/* The MPI shim under a real mpirun (ctest runs it on 1, 2, 3 and 4 ranks): exact merges of
 * every partial state give the whole-array kernel's bits on uneven partitions; MPI's own
 * reductions, broadcast and gathers; MPI errors come back as codes with MPI's text; mismatched
 * states and calls outside init/finalize are refused. Every rank checks; each prints its
 * failures and the exit status is nonzero if any rank failed. */
#include "check.h"
#include "paralelo.h"
#include "paralelo_mpi.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef union state {
    pl_acc acc;
    pl_wide wide;
    pl_extremum extremum;
    pl_centered centered;
    pl_moments moments;
} state;

static int rank, size;

/* The same data on every rank: values of very different magnitudes, so that a sum in another
 * order rounds differently (what MPI_SUM would do). */
static void fill(int dtype, void *x, int64_t n) {
    rng_state = 0x9E3779B97F4A7C15ULL;
    for (int64_t i = 0; i < n; i++) {
        double u = uniform() - 0.5;
        double v = u * ldexp(1.0, (int)(next_u64() % 40) - 20);
        switch (dtype) {
        case PL_F64: ((double *)x)[i] = v; break;
        case PL_F32: ((float *)x)[i] = (float)v; break;
        case PL_I64: ((int64_t *)x)[i] = (int64_t)(next_u64() >> 4) - (INT64_C(1) << 59); break;
        default: ((int32_t *)x)[i] = (int32_t)(next_u64() >> 32); break;
        }
    }
}

/* This rank's partial of op over its part of the block partition, merged over all ranks. */
static int distributed(int dtype, int op, const void *x, const void *y, int64_t n, double center, state *st) {
    int64_t lo, hi;
    CHECK(pl_partition(n, size, rank, &lo, &hi) == PL_OK, "partition");
    pl_state_init(st, dtype, op, center);
    int rc = op == PL_DOT ? pl_partial_dot(dtype, x, y, n, lo, hi, PL_ACCURATE, 2, st)
                          : pl_partial(dtype, op, x, n, lo, hi, PL_ACCURATE, 2, st);
    CHECK(rc == PL_OK, "partial %d", rc);
    return pl_mpi_allreduce_state(pl_state_kind(dtype, op), st, 1);
}

static void test_exact_merges(void) {
    /* Uneven: a partial last block, fewer blocks than ranks, one element, none. */
    const int64_t sizes[] = {0, 1, 4095, 4097, 3 * 4096 + 5, 100003};
    for (int dtype = PL_F64; dtype <= PL_I32; dtype++) {
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            int64_t n = sizes[s];
            void *x = malloc((size_t)(n ? n : 1) * 8), *y = malloc((size_t)(n ? n : 1) * 8);
            fill(dtype, x, n);
            fill(dtype, y, n);
            for (int64_t i = 0; i < n && dtype == PL_F64; i += 2) ((double *)y)[i] *= -3.0;
            int fl = dtype == PL_F64 || dtype == PL_F32;
            double f, f2;
            int64_t iv, iv2, idx, idx2;
            state st;
            /* sum */
            CHECK(distributed(dtype, PL_SUM, x, NULL, n, 0, &st) == PL_OK, "allreduce sum");
            int src = pl_reduce(dtype, PL_SUM, x, n, PL_ACCURATE, 1, &f, &iv);
            if (fl) {
                CHECK(src == PL_OK && pl_acc_round(&st.acc, &f2) == PL_OK && same_bits(f, f2),
                      "dtype %d n %lld sum %a vs %a", dtype, (long long)n, f, f2);
            } else {
                /* Large int64 data may overflow: then the merged state says so too. */
                int wrc = pl_wide_to_i64(&st.wide, &iv2);
                CHECK(wrc == src && (src != PL_OK || iv == iv2), "dtype %d n %lld integer sum (%d, %d)", dtype,
                      (long long)n, src, wrc);
            }
            /* min, max */
            for (int op = PL_MIN; op <= PL_MAX && n > 0; op++) {
                CHECK(distributed(dtype, op, x, NULL, n, 0, &st) == PL_OK, "allreduce extremum");
                CHECK(pl_reduce(dtype, op, x, n, PL_ACCURATE, 1, &f, &iv) == PL_OK, "reduce extremum");
                CHECK(pl_extremum_result(&st.extremum, &f2, &iv2, &idx2) == PL_OK, "extremum result");
                state whole;
                pl_state_init(&whole, dtype, op, 0);
                pl_partial(dtype, op, x, n, 0, n, PL_ACCURATE, 1, &whole);
                pl_extremum_result(&whole.extremum, &f, &iv, &idx);
                CHECK(idx == idx2 && (fl ? same_bits(f, f2) : iv == iv2), "dtype %d n %lld op %d extremum", dtype,
                      (long long)n, op);
            }
            /* variance: floats in two phases, the mean's exact sum first */
            double mean = 0;
            if (fl && n > 0) {
                CHECK(distributed(dtype, PL_SUM, x, NULL, n, 0, &st) == PL_OK, "mean phase");
                pl_acc_round(&st.acc, &mean);
                mean /= (double)n;
            }
            CHECK(distributed(dtype, PL_VAR, x, NULL, n, mean, &st) == PL_OK, "allreduce variance");
            CHECK(pl_variance(dtype, x, n, 1, PL_ACCURATE, 1, &f) == PL_OK, "variance");
            CHECK(pl_variance_result(pl_state_kind(dtype, PL_VAR), &st, 1, &f2) == PL_OK && same_bits(f, f2),
                  "dtype %d n %lld variance %a vs %a", dtype, (long long)n, f, f2);
            /* dot */
            CHECK(distributed(dtype, PL_DOT, x, y, n, 0, &st) == PL_OK, "allreduce dot");
            int drc = pl_dot(dtype, x, y, n, PL_ACCURATE, 1, &f, &iv);
            if (fl) {
                CHECK(drc == PL_OK && pl_acc_round(&st.acc, &f2) == PL_OK && same_bits(f, f2), "dtype %d dot", dtype);
            } else if (drc == PL_OK) {
                CHECK(pl_wide_to_i64(&st.wide, &iv2) == PL_OK && iv == iv2, "dtype %d integer dot", dtype);
            }
            free(x);
            free(y);
        }
    }
}

static void test_reduce_to_root(void) {
    const int64_t n = 50000;
    double *x = malloc((size_t)n * sizeof *x);
    fill(PL_F64, x, n);
    int root = size - 1;
    int64_t lo, hi;
    pl_partition(n, size, rank, &lo, &hi);
    state st;
    pl_state_init(&st, PL_F64, PL_SUM, 0);
    pl_partial(PL_F64, PL_SUM, x, n, lo, hi, PL_ACCURATE, 1, &st);
    CHECK(pl_mpi_reduce_state(PL_STATE_SUM, &st, 1, root) == PL_OK, "reduce_state");
    if (rank == root) {
        double f, f2;
        int64_t iv;
        pl_reduce(PL_F64, PL_SUM, x, n, PL_ACCURATE, 1, &f, &iv);
        CHECK(pl_acc_round(&st.acc, &f2) == PL_OK && same_bits(f, f2), "reduce_state at root");
    }
    /* Several states in one call, merged elementwise. */
    pl_wide two[2];
    pl_state_init(&two[0], PL_I64, PL_SUM, 0);
    pl_state_init(&two[1], PL_I64, PL_SUM, 0);
    two[0].word[0] = (uint64_t)rank;
    two[1].word[0] = 1;
    CHECK(pl_mpi_allreduce_state(PL_STATE_INTEGER, two, 2) == PL_OK, "two states");
    int64_t a = -1, b = -1;
    pl_wide_to_i64(&two[0], &a);
    pl_wide_to_i64(&two[1], &b);
    CHECK(a == (int64_t)size * (size - 1) / 2 && b == size, "two states: %lld %lld", (long long)a, (long long)b);
    free(x);
}

static void test_plain_collectives(void) {
    double d[3] = {rank + 0.5, -rank, 1};
    CHECK(pl_mpi_allreduce(PL_F64, PL_SUM, d, 3) == PL_OK, "allreduce f64");
    CHECK(d[0] == size * (size - 1) / 2.0 + 0.5 * size && d[2] == size, "f64 sum");
    float f[1] = {(float)rank};
    CHECK(pl_mpi_allreduce(PL_F32, PL_MAX, f, 1) == PL_OK && f[0] == (float)(size - 1), "f32 max");
    int64_t l[1] = {rank + 10};
    CHECK(pl_mpi_allreduce(PL_I64, PL_MIN, l, 1) == PL_OK && l[0] == 10, "i64 min");
    int32_t i[2] = {rank, 1};
    CHECK(pl_mpi_reduce(PL_I32, PL_SUM, i, 2, 0) == PL_OK, "reduce i32");
    if (rank == 0) CHECK(i[0] == size * (size - 1) / 2 && i[1] == size, "i32 sum at root");
    else CHECK(i[0] == rank && i[1] == 1, "non-root keeps its input");
    CHECK(pl_mpi_allreduce(PL_F64, PL_SUM, d, 0) == PL_OK, "no elements");

    char msg[32] = {0};
    if (rank == 0) snprintf(msg, sizeof msg, "hello from %d", size);
    CHECK(pl_mpi_bcast(msg, sizeof msg, 0) == PL_OK, "bcast");
    char want[32];
    snprintf(want, sizeof want, "hello from %d", size);
    CHECK(strcmp(msg, want) == 0, "bcast got '%s'", msg);

    int64_t mine = 1000 + rank, *all = calloc((size_t)size, sizeof *all);
    CHECK(pl_mpi_gather(&mine, sizeof mine, rank == 0 ? all : NULL, 0) == PL_OK, "gather");
    if (rank == 0)
        for (int r = 0; r < size; r++) CHECK(all[r] == 1000 + r, "gather %d", r);
    memset(all, 0, (size_t)size * sizeof *all);
    CHECK(pl_mpi_allgather(&mine, sizeof mine, all) == PL_OK, "allgather");
    for (int r = 0; r < size; r++) CHECK(all[r] == 1000 + r, "allgather %d", r);
    free(all);

    int lr = -1, ls = -1;
    CHECK(pl_mpi_local(&lr, &ls) == PL_OK && ls >= 1 && ls <= size && lr >= 0 && lr < ls, "local %d of %d", lr, ls);
    CHECK(pl_mpi_barrier() == PL_OK, "barrier");
}

static void test_errors(void) {
    char text[PL_MPI_ERROR_LENGTH];
    /* A root that does not exist: MPI's own error, returned (MPI_ERRORS_RETURN), not an abort. */
    int x = 0;
    int rc = pl_mpi_bcast(&x, sizeof x, size);
    CHECK(rc > 0, "bad root gives an MPI error code, got %d", rc);
    CHECK(pl_mpi_error_string(rc, text, sizeof text) == PL_OK && strstr(text, "root") != NULL,
          "MPI's text for %d: '%s'", rc, text);
    CHECK(pl_mpi_error_string(PL_MPI_E_STATE, text, sizeof text) == PL_OK && strstr(text, "not running"),
          "shim text '%s'", text);
    CHECK(pl_mpi_error_string(PL_OK, text, 4) == PL_OK && strlen(text) == 3, "truncated text");
    CHECK(pl_mpi_error_string(PL_OK, NULL, 4) == PL_E_ARG, "null buffer");
    CHECK(pl_mpi_allreduce(7, PL_SUM, &x, 1) == PL_E_ARG, "unknown dtype");
    CHECK(pl_mpi_allreduce(PL_I32, PL_VAR, &x, 1) == PL_E_ARG, "MPI has no variance op");
    CHECK(pl_mpi_allreduce_state(9, &x, 1) == PL_E_ARG, "unknown kind");
    CHECK(pl_mpi_reduce(PL_I32, PL_SUM, &x, 1, -1) == PL_E_ARG, "negative root");
    int provided;
    CHECK(pl_mpi_init(PL_MPI_THREAD_FUNNELED, &provided) == PL_MPI_E_STATE, "init twice");

    /* Min states on some ranks, max states on others: refused on every rank. */
    if (size >= 2) {
        state st;
        double v = rank;
        pl_state_init(&st, PL_F64, rank % 2 ? PL_MAX : PL_MIN, 0);
        pl_partial(PL_F64, rank % 2 ? PL_MAX : PL_MIN, &v, 1, 0, 1, PL_ACCURATE, 1, &st);
        rc = pl_mpi_allreduce_state(PL_STATE_EXTREMUM, &st, 1);
        CHECK(rc == PL_E_MISMATCH, "mismatched states give %d", rc);
    }
    /* Still usable after errors. */
    CHECK(pl_mpi_barrier() == PL_OK, "barrier after errors");
}

int main(void) {
    int provided = -1, st = -1;
    CHECK(pl_mpi_state(&st) == PL_OK && st == PL_MPI_STATE_NEW, "state before init");
    CHECK(pl_mpi_barrier() == PL_MPI_E_STATE, "barrier before init");
    int rc = pl_mpi_init(PL_MPI_THREAD_FUNNELED, &provided);
    CHECK(rc == PL_OK && provided >= PL_MPI_THREAD_FUNNELED, "init: %d, provided %d", rc, provided);
    if (rc != PL_OK && rc != PL_MPI_E_THREAD) return 1;
    CHECK(pl_mpi_rank(&rank) == PL_OK && pl_mpi_size(&size) == PL_OK, "rank, size");
    test_plain_collectives();
    test_exact_merges();
    test_reduce_to_root();
    test_errors();
    /* Every rank learns whether any failed, so that no rank's failure is lost. */
    int64_t failed = failures;
    CHECK(pl_mpi_allreduce(PL_I64, PL_SUM, &failed, 1) == PL_OK, "failure count");
    CHECK(pl_mpi_finalize() == PL_OK, "finalize");
    CHECK(pl_mpi_state(&st) == PL_OK && st == PL_MPI_STATE_FINISHED, "state after finalize");
    CHECK(pl_mpi_barrier() == PL_MPI_E_STATE && pl_mpi_init(0, &provided) == PL_MPI_E_STATE, "after finalize");
    if (rank == 0 || failures) printf("test_mpi rank %d of %d: %d failures here, %lld on all ranks\n", rank, size,
                                      failures, (long long)failed);
    return failures || failed ? 1 : 0;
}
