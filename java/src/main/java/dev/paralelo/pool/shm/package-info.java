/**
 * The local transport of the worker pool: two lock-free rings in one shared-memory file.
 *
 * <p>{@link dev.paralelo.pool.shm.ShmTransport} (the parent) creates the ring file,
 * {@link dev.paralelo.pool.shm.ShmWorkerLink} (a worker) connects to it. The file's header and
 * rings are described once in Java ({@link dev.paralelo.pool.shm.RingFileLayout},
 * {@link dev.paralelo.pool.shm.RingLayout}) and once in C ({@code struct pl_ring_file},
 * {@code struct pl_ring} in {@code paralelo.h}); docs/FORMAT.md, "Ring file", gives the layout,
 * the memory ordering and what happens when a process dies mid-frame.
 */
package dev.paralelo.pool.shm;
