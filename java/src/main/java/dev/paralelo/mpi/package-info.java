/**
 * Scale-out on MPI (Open MPI): Paralelo's shim libparalelo_mpi, reached through FFM and loaded
 * only when {@link dev.paralelo.mpi.Mpi#init()} runs.
 *
 * <p>{@link dev.paralelo.mpi.Mpi} is the communicator: rank, size, barrier, broadcast, MPI's
 * own reductions (sum, min, max) and gathers over off-heap memory, and the exact
 * {@link dev.paralelo.mpi.Mpi#allreduce(dev.paralelo.Partial) allreduce of partial states}, a
 * user-defined MPI operation that merges them in C. {@link dev.paralelo.mpi.Distributed} builds
 * the distributed reductions on it: each rank maps only its own part of an array file
 * ({@link dev.paralelo.shm.SharedArray#openPart}), reduces it with the ordinary kernels on its
 * cores, and the merged states give the bits one process gives, for any number of ranks.
 *
 * <p>Run under {@code mpirun}: {@code mpirun -np 4 ./paralelo mpi sum data.npy}.
 */
package dev.paralelo.mpi;
