/*
 * The MPI shim (paralelo_mpi.h): a few collectives in Paralelo's terms, and the exact merge of
 * partial states as a user-defined MPI operation.
 *
 * Why the merge works in any tree: pl_merge is exact, associative and commutative (paralelo.h,
 * "Partial states"), so whatever pairs Open MPI merges, in whatever order, the states of the
 * ranks' block-aligned ranges end as the state one process would have made of the whole array.
 * The operation is registered as commutative, which lets MPI pick any tree.
 *
 * A user-defined operation cannot return an error, so each state travels with one status word
 * in front of it: 0, or the first nonzero status a merge returned below it in the tree. The
 * status reaches the root (and, for allreduce, every rank) with the result.
 */
#include "paralelo_mpi.h"

#include "impl.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kinds are PL_STATE_SUM (1) to PL_STATE_MOMENTS (5). */
#define KINDS 6
/* A single state of any kind (pl_centered is the largest) and its status word merge through
 * the stack; more go through the heap. */
#define STACK_WORDS (sizeof(pl_centered) / sizeof(int64_t) + 1)
/* Largest count one MPI call is given: MPI counts are int. */
#define CHUNK ((int64_t)1 << 30)

static int state = PL_MPI_STATE_NEW;
static int started_mpi; /* pl_mpi_init called MPI_Init_thread (and so pl_mpi_finalize ends it) */
static MPI_Comm comm = MPI_COMM_NULL;
static MPI_Datatype state_type[KINDS]; /* [kind]: status word + the state's words */
static MPI_Op merge_op = MPI_OP_NULL;

static int kind_of(MPI_Datatype t) {
    for (int k = PL_STATE_SUM; k < KINDS; k++)
        if (state_type[k] == t) return k;
    return 0;
}

/* inout[i] = merge(in[i], inout[i]) for *len records of one kind: [status, words...]. */
static void merge_records(void *in, void *inout, int *len, MPI_Datatype *type) {
    int kind = kind_of(*type);
    int words = kind ? pl_state_words(kind) : 0;
    int64_t *src = in, *dst = inout;
    for (int i = 0; i < *len; i++, src += words + 1, dst += words + 1) {
        if (!kind) {
            dst[0] = PL_E_ARG; /* never happens: the shim only reduces its own types */
        } else if (dst[0] == PL_OK && src[0] != PL_OK) {
            dst[0] = src[0];
        } else if (dst[0] == PL_OK) {
            int rc = pl_merge(kind, dst + 1, src + 1);
            if (rc != PL_OK) dst[0] = rc;
        }
    }
}

static int mpi_type(int dtype, MPI_Datatype *t) {
    switch (dtype) {
    case PL_F64: *t = MPI_DOUBLE; return PL_OK;
    case PL_F32: *t = MPI_FLOAT; return PL_OK;
    case PL_I64: *t = MPI_INT64_T; return PL_OK;
    case PL_I32: *t = MPI_INT32_T; return PL_OK;
    default: return PL_E_ARG;
    }
}

static int mpi_op(int op, MPI_Op *o) {
    switch (op) {
    case PL_SUM: *o = MPI_SUM; return PL_OK;
    case PL_MIN: *o = MPI_MIN; return PL_OK;
    case PL_MAX: *o = MPI_MAX; return PL_OK;
    default: return PL_E_ARG;
    }
}

static int running(void) { return state == PL_MPI_STATE_RUNNING ? PL_OK : PL_MPI_E_STATE; }

/* Frees whatever of the shim's objects exist; the first failure's code, else PL_OK. */
static int release(void) {
    int first = PL_OK, rc;
    for (int k = PL_STATE_SUM; k < KINDS; k++) {
        if (state_type[k] != MPI_DATATYPE_NULL) {
            rc = MPI_Type_free(&state_type[k]);
            if (first == PL_OK) first = rc;
        }
    }
    if (merge_op != MPI_OP_NULL) {
        rc = MPI_Op_free(&merge_op);
        if (first == PL_OK) first = rc;
    }
    if (comm != MPI_COMM_NULL) {
        rc = MPI_Comm_free(&comm);
        if (first == PL_OK) first = rc;
    }
    return first;
}

static int set_up(void) {
    int rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (rc == MPI_SUCCESS) rc = MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    if (rc == MPI_SUCCESS) rc = MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    for (int k = PL_STATE_SUM; k < KINDS && rc == MPI_SUCCESS; k++) {
        rc = MPI_Type_contiguous(pl_state_words(k) + 1, MPI_INT64_T, &state_type[k]);
        if (rc == MPI_SUCCESS) rc = MPI_Type_commit(&state_type[k]);
    }
    if (rc == MPI_SUCCESS) rc = MPI_Op_create(merge_records, 1, &merge_op);
    return rc;
}

int pl_mpi_init(int required, int *provided) {
    if (!provided || required < PL_MPI_THREAD_SINGLE || required > PL_MPI_THREAD_MULTIPLE) return PL_E_ARG;
    if (state != PL_MPI_STATE_NEW) return PL_MPI_E_STATE;
    static const int levels[] = {MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED,
                                 MPI_THREAD_MULTIPLE};
    int already = 0, finalized = 0, got = MPI_THREAD_SINGLE, rc;
    rc = MPI_Finalized(&finalized);
    if (rc == MPI_SUCCESS && finalized) return PL_MPI_E_STATE;
    if (rc == MPI_SUCCESS) rc = MPI_Initialized(&already);
    if (rc != MPI_SUCCESS) return rc;
    if (!already) {
        rc = MPI_Init_thread(NULL, NULL, levels[required], &got);
        if (rc != MPI_SUCCESS) return rc;
        started_mpi = 1;
    } else {
        rc = MPI_Query_thread(&got);
        if (rc != MPI_SUCCESS) return rc;
    }
    for (int k = 0; k < KINDS; k++) state_type[k] = MPI_DATATYPE_NULL;
    rc = set_up();
    if (rc != MPI_SUCCESS) {
        release();
        if (started_mpi) MPI_Finalize();
        state = PL_MPI_STATE_FINISHED;
        return rc;
    }
    state = PL_MPI_STATE_RUNNING;
    *provided = PL_MPI_THREAD_SINGLE;
    for (int l = PL_MPI_THREAD_SINGLE; l <= PL_MPI_THREAD_MULTIPLE; l++)
        if (levels[l] == got) *provided = l;
    return *provided < required ? PL_MPI_E_THREAD : PL_OK;
}

int pl_mpi_finalize(void) {
    int rc = running();
    if (rc != PL_OK) return rc;
    rc = release();
    state = PL_MPI_STATE_FINISHED;
    if (started_mpi) {
        int end = MPI_Finalize();
        if (rc == PL_OK) rc = end;
    }
    return rc;
}

int pl_mpi_state(int *out) {
    if (!out) return PL_E_ARG;
    *out = state;
    return PL_OK;
}

int pl_mpi_rank(int *rank) {
    if (!rank) return PL_E_ARG;
    int rc = running();
    return rc != PL_OK ? rc : MPI_Comm_rank(comm, rank);
}

int pl_mpi_size(int *size) {
    if (!size) return PL_E_ARG;
    int rc = running();
    return rc != PL_OK ? rc : MPI_Comm_size(comm, size);
}

int pl_mpi_local(int *local_rank, int *local_size) {
    if (!local_rank || !local_size) return PL_E_ARG;
    int rc = running();
    if (rc != PL_OK) return rc;
    MPI_Comm node;
    rc = MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    if (rc != MPI_SUCCESS) return rc;
    rc = MPI_Comm_rank(node, local_rank);
    if (rc == MPI_SUCCESS) rc = MPI_Comm_size(node, local_size);
    int freed = MPI_Comm_free(&node);
    return rc != MPI_SUCCESS ? rc : freed;
}

int pl_mpi_barrier(void) {
    int rc = running();
    return rc != PL_OK ? rc : MPI_Barrier(comm);
}

int pl_mpi_bcast(void *buf, int64_t bytes, int root) {
    if (bytes < 0 || (bytes > 0 && !buf)) return PL_E_ARG;
    int rc = running();
    /* At least one call, so that a bad root is an error even for no bytes. */
    for (int64_t at = 0; rc == PL_OK && (at < bytes || at == 0); at += CHUNK) {
        int64_t k = bytes - at < CHUNK ? bytes - at : CHUNK;
        rc = MPI_Bcast((char *)buf + at, (int)k, MPI_BYTE, root, comm);
        if (bytes == 0) break;
    }
    return rc;
}

/* Reduces n elements in chunks of at most CHUNK; root < 0 means allreduce. */
static int reduce(int dtype, int op, void *buf, int64_t n, int root) {
    MPI_Datatype t;
    MPI_Op o;
    if (n < 0 || (n > 0 && !buf) || mpi_type(dtype, &t) != PL_OK || mpi_op(op, &o) != PL_OK) return PL_E_ARG;
    int rc = running(), rank = 0;
    if (rc == PL_OK && root >= 0) rc = MPI_Comm_rank(comm, &rank);
    size_t size = (size_t)pl_dtype_size(dtype);
    for (int64_t at = 0; rc == PL_OK && (at < n || at == 0); at += CHUNK) {
        int k = (int)(n - at < CHUNK ? n - at : CHUNK);
        void *p = (char *)buf + (size_t)at * size;
        if (root < 0) rc = MPI_Allreduce(MPI_IN_PLACE, p, k, t, o, comm);
        else rc = MPI_Reduce(rank == root ? MPI_IN_PLACE : p, p, k, t, o, root, comm);
        if (n == 0) break;
    }
    return rc;
}

int pl_mpi_reduce(int dtype, int op, void *buf, int64_t n, int root) {
    if (root < 0) return PL_E_ARG;
    return reduce(dtype, op, buf, n, root);
}

int pl_mpi_allreduce(int dtype, int op, void *buf, int64_t n) { return reduce(dtype, op, buf, n, -1); }

/* Merges leave exact accumulators with carries pending; the caller gets them normalised, the
 * canonical form (equal sums, equal words) that Java's decoder requires. */
static void normalize(int kind, void *states, int64_t count) {
    for (int64_t i = 0; i < count; i++) {
        if (kind == PL_STATE_SUM) {
            pl_acc_normalize((pl_acc *)states + i);
        } else if (kind == PL_STATE_CENTERED) {
            pl_acc_normalize(&((pl_centered *)states + i)->dev);
            pl_acc_normalize(&((pl_centered *)states + i)->sq);
        }
    }
}

/* root < 0: allreduce. The records ([status, words]) go through a copy: states stay as
 * pl_state_init lays them out, for the caller and for pl_merge. */
static int reduce_states(int kind, void *states, int64_t count, int root) {
    int words = pl_state_words(kind);
    if (words <= 0 || count < 0 || (count > 0 && !states)) return PL_E_ARG;
    if (count > INT_MAX / (words + 1)) return PL_E_ARG;
    int rc = running(), rank = 0;
    if (rc == PL_OK && root >= 0) rc = MPI_Comm_rank(comm, &rank);
    if (rc != PL_OK) return rc;
    int64_t stack[STACK_WORDS];
    size_t record = (size_t)words + 1, total = record * (size_t)count;
    int64_t *buf = total <= STACK_WORDS ? stack : malloc(total * sizeof *buf);
    if (!buf) return PL_E_ARG;
    for (int64_t i = 0; i < count; i++) {
        buf[i * record] = PL_OK;
        memcpy(buf + i * record + 1, (int64_t *)states + i * words, (size_t)words * sizeof *buf);
    }
    if (root < 0) rc = MPI_Allreduce(MPI_IN_PLACE, buf, (int)count, state_type[kind], merge_op, comm);
    else rc = MPI_Reduce(rank == root ? MPI_IN_PLACE : buf, buf, (int)count, state_type[kind], merge_op, root, comm);
    if (rc == MPI_SUCCESS && (root < 0 || rank == root)) {
        for (int64_t i = 0; i < count; i++) {
            if (buf[i * record] != PL_OK && rc == PL_OK) rc = (int)buf[i * record];
            memcpy((int64_t *)states + i * words, buf + i * record + 1, (size_t)words * sizeof *buf);
        }
        normalize(kind, states, count);
    }
    if (buf != stack) free(buf);
    return rc;
}

int pl_mpi_allreduce_state(int kind, void *states, int64_t count) {
    return reduce_states(kind, states, count, -1);
}

int pl_mpi_reduce_state(int kind, void *states, int64_t count, int root) {
    if (root < 0) return PL_E_ARG;
    return reduce_states(kind, states, count, root);
}

int pl_mpi_gather(const void *send, int64_t bytes, void *recv, int root) {
    if (bytes < 0 || bytes > INT_MAX || (bytes > 0 && !send)) return PL_E_ARG;
    int rc = running(), rank = 0;
    if (rc == PL_OK) rc = MPI_Comm_rank(comm, &rank);
    if (rc != PL_OK) return rc;
    if (rank == root && bytes > 0 && !recv) return PL_E_ARG;
    return MPI_Gather(send, (int)bytes, MPI_BYTE, recv, (int)bytes, MPI_BYTE, root, comm);
}

int pl_mpi_allgather(const void *send, int64_t bytes, void *recv) {
    if (bytes < 0 || bytes > INT_MAX || (bytes > 0 && (!send || !recv))) return PL_E_ARG;
    int rc = running();
    return rc != PL_OK ? rc : MPI_Allgather(send, (int)bytes, MPI_BYTE, recv, (int)bytes, MPI_BYTE, comm);
}

int pl_mpi_abort(int status) {
    int rc = running();
    return rc != PL_OK ? rc : MPI_Abort(MPI_COMM_WORLD, status);
}

static const char *shim_text(int status) {
    switch (status) {
    case PL_OK: return "success";
    case PL_E_ARG: return "invalid argument (a null pointer, a negative or too large length, an unknown "
                          "type, operation or state kind)";
    case PL_E_OVERFLOW: return "partial states whose element counts together pass 2^62";
    case PL_E_MISMATCH: return "partial states that cannot merge (min with max, other element types, "
                               "other centres)";
    case PL_MPI_E_STATE: return "MPI is not running in this process (pl_mpi_init not called, called "
                                "twice, or pl_mpi_finalize already called)";
    case PL_MPI_E_THREAD: return "the MPI library gave a lower thread level than the one required";
    default: return NULL;
    }
}

int pl_mpi_error_string(int status, char *buf, int64_t len) {
    if (!buf || len < 1) return PL_E_ARG;
    const char *text = shim_text(status);
    char mpi_text[MPI_MAX_ERROR_STRING + 1];
    if (!text && status > 0) {
        int n = 0;
        if (MPI_Error_string(status, mpi_text, &n) == MPI_SUCCESS && n > 0) {
            mpi_text[n < MPI_MAX_ERROR_STRING ? n : MPI_MAX_ERROR_STRING] = '\0';
            text = mpi_text;
        }
    }
    if (text) snprintf(buf, (size_t)len, "%s", text);
    else snprintf(buf, (size_t)len, "unknown status %d", status);
    return PL_OK;
}
