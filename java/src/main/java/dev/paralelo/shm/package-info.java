/**
 * Arrays in files that other processes map at once: {@link dev.paralelo.shm.SharedArray}
 * ({@code .npy} files in {@code /dev/shm}, which numpy, C programs and other JVMs map as the
 * same live memory), cross-process atomics ({@link dev.paralelo.shm.SharedCounter},
 * {@link dev.paralelo.shm.SharedBarrier}), and {@link dev.paralelo.shm.Npy} to load and save
 * {@code .npy} files by copying.
 *
 * <p>Files are created complete and published atomically, opened without following links, and
 * checked for truncation before each kernel call; docs/FORMAT.md describes the layouts and the
 * memory ordering between processes.
 */
package dev.paralelo.shm;
