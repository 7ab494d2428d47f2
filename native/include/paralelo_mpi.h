/*
 * paralelo_mpi.h - the C ABI of libparalelo_mpi, Paralelo's shim over MPI (Open MPI).
 *
 * CMake builds libparalelo_mpi.so only when it finds MPI; libparalelo never needs it. Java
 * reaches these functions through FFM (dev.paralelo.mpi), and C programs may call them too.
 *
 * Every function returns an int status:
 *  - PL_OK (0) on success;
 *  - a negative PL_E_* code of paralelo.h, or PL_MPI_E_* below, for an error the shim finds
 *    (a bad argument, a call before pl_mpi_init, a merge of mismatched partial states);
 *  - a positive value: the error code an MPI call returned. pl_mpi_error_string describes
 *    both kinds; for MPI's own codes it is MPI_Error_string's text.
 * The shim sets MPI_ERRORS_RETURN on MPI_COMM_WORLD and on its own communicator, so an MPI
 * error comes back as a code and never aborts the process behind its caller's back (a JVM's).
 *
 * Every collective runs on the shim's own communicator, a duplicate of MPI_COMM_WORLD, so its
 * traffic never matches a caller's own messages on MPI_COMM_WORLD. State: the communicator,
 * the datatypes and the operations made by pl_mpi_init, freed by pl_mpi_finalize. Call those
 * two from one thread; the others follow the thread level pl_mpi_init obtained.
 *
 * Lengths are int64 counts of elements (or bytes, where the name says so). Buffers are plain
 * pointers; "in place" means the result overwrites the input on every rank that gets one.
 */
#ifndef PARALELO_MPI_H
#define PARALELO_MPI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PL_BUILDING_LIBRARY)
#define PL_MPI_API __attribute__((visibility("default")))
#else
#define PL_MPI_API
#endif

#define PL_MPI_VERSION 1

/* Status codes of the shim (paralelo.h's PL_E_* are used too: PL_E_ARG, PL_E_MISMATCH,
 * PL_E_OVERFLOW). Positive statuses are MPI error codes. */
#define PL_MPI_E_STATE (-20)  /* called before pl_mpi_init, or after pl_mpi_finalize */
#define PL_MPI_E_THREAD (-21) /* MPI gave a lower thread level than the one required */

/* Thread levels, in MPI's order (MPI_THREAD_SINGLE ... MPI_THREAD_MULTIPLE). */
#define PL_MPI_THREAD_SINGLE 0     /* one thread in the process */
#define PL_MPI_THREAD_FUNNELED 1   /* many threads, only the one that called init calls MPI */
#define PL_MPI_THREAD_SERIALIZED 2 /* many threads, one MPI call at a time */
#define PL_MPI_THREAD_MULTIPLE 3   /* any thread, any time */

/* pl_mpi_state: where the shim stands. */
#define PL_MPI_STATE_NEW 0      /* pl_mpi_init not called yet */
#define PL_MPI_STATE_RUNNING 1  /* initialised */
#define PL_MPI_STATE_FINISHED 2 /* finalised: MPI cannot start again in this process */

/* The longest text pl_mpi_error_string writes, its terminating NUL included. */
#define PL_MPI_ERROR_LENGTH 512

/*
 * Starts MPI (MPI_Init_thread) with the thread level `required` (PL_MPI_THREAD_*) and sets up
 * the shim: the communicator, error handlers, datatypes and merge operations. *provided gets
 * the level MPI gave; when it is below `required`, MPI stays initialised and the status is
 * PL_MPI_E_THREAD. PL_MPI_E_STATE when called twice. If MPI was already initialised by someone
 * else in this process, the shim sets itself up on it and pl_mpi_finalize leaves MPI running.
 */
PL_MPI_API int pl_mpi_init(int required, int *provided);
/* Frees what pl_mpi_init made and ends MPI (MPI_Finalize) if pl_mpi_init started it. */
PL_MPI_API int pl_mpi_finalize(void);
/* *state = PL_MPI_STATE_*. Never fails but for a null pointer. */
PL_MPI_API int pl_mpi_state(int *state);
/* This process's rank and the number of ranks, in MPI_COMM_WORLD. */
PL_MPI_API int pl_mpi_rank(int *rank);
PL_MPI_API int pl_mpi_size(int *size);
/* The ranks that share this node's memory (MPI_Comm_split_type, MPI_COMM_TYPE_SHARED) and this
 * process's rank among them: how many ranks divide this machine's cores. Collective: every
 * rank must call it. */
PL_MPI_API int pl_mpi_local(int *local_rank, int *local_size);
PL_MPI_API int pl_mpi_barrier(void);
/* Broadcasts `bytes` bytes of buf from rank root to every rank. */
PL_MPI_API int pl_mpi_bcast(void *buf, int64_t bytes, int root);
/*
 * Elementwise reductions of n elements of dtype (PL_F64, PL_F32, PL_I64, PL_I32) with op
 * PL_SUM, PL_MIN or PL_MAX, in place: MPI's own MPI_SUM, MPI_MIN, MPI_MAX. pl_mpi_reduce leaves
 * the result on rank root (the other ranks' buffers keep their input); pl_mpi_allreduce on every
 * rank. A floating-point MPI_SUM rounds in an order MPI picks (the rank count, the tree): it is
 * not reproducible across rank counts. pl_mpi_allreduce_state is.
 */
PL_MPI_API int pl_mpi_reduce(int dtype, int op, void *buf, int64_t n, int root);
PL_MPI_API int pl_mpi_allreduce(int dtype, int op, void *buf, int64_t n);
/*
 * Exact merges of partial states (paralelo.h, "Partial states"), in place: `count` states of
 * kind PL_STATE_* laid end to end at states, merged elementwise across ranks with pl_merge by
 * a user-defined, commutative MPI operation over a contiguous datatype of the state's words
 * plus one status word. Merging is exact, associative and commutative, so the result has the
 * same bits whatever tree MPI picks and whatever the rank count. Every rank passes the same
 * kind and count. PL_E_MISMATCH or PL_E_OVERFLOW (on every rank that gets the result) when
 * some pair of states could not merge (min states with max states, different centres, counts
 * past 2^62); the states are then undefined. Results come back normalised (the canonical form
 * of exact accumulators, which Java decodes).
 */
PL_MPI_API int pl_mpi_allreduce_state(int kind, void *states, int64_t count);
PL_MPI_API int pl_mpi_reduce_state(int kind, void *states, int64_t count, int root);
/* Gathers `bytes` bytes from every rank into recv, rank r's at recv + r * bytes: on root only
 * (recv is ignored elsewhere and may be null), or on every rank. bytes <= INT32_MAX. */
PL_MPI_API int pl_mpi_gather(const void *send, int64_t bytes, void *recv, int root);
PL_MPI_API int pl_mpi_allgather(const void *send, int64_t bytes, void *recv);
/* Ends every rank of the job (MPI_Abort on MPI_COMM_WORLD) with exit status `status`: for a
 * rank that failed alone, where finishing politely (pl_mpi_finalize) would wait for ranks that
 * wait for it. Returns only if MPI could not abort. */
PL_MPI_API int pl_mpi_abort(int status);
/* Writes the text of a status (any: PL_OK, PL_E_*, PL_MPI_E_*, an MPI error code) to buf, at
 * most len bytes with the NUL; PL_E_ARG for a null buf or len < 1. Needs no pl_mpi_init. */
PL_MPI_API int pl_mpi_error_string(int status, char *buf, int64_t len);

#ifdef __cplusplus
}
#endif

#endif
