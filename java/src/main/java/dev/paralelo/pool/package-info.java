/**
 * Worker processes: a pool that runs reductions over shared arrays in other JVMs (or other
 * programs) and merges their partial states exactly, so results have the bits of one process.
 *
 * <p>Messages are indirect (a task names an array, a block range and a kernel, never the data),
 * batched, and in a little-endian, versioned, length-checked binary format (docs/PROTOCOL.md).
 * The pool talks to workers through one interface, {@link dev.paralelo.pool.Transport}; the
 * local transport is a pair of lock-free rings in a shared-memory file
 * ({@code dev.paralelo.pool.shm}).
 */
package dev.paralelo.pool;
