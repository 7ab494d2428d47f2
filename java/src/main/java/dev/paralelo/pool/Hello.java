package dev.paralelo.pool;

/**
 * The first frame a worker sends after connecting.
 *
 * @param worker the worker's index, as the pool started it
 * @param threads the kernel threads the worker uses
 * @param pid the worker's process id
 */
public record Hello(int worker, int threads, long pid) {}
