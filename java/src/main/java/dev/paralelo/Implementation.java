package dev.paralelo;

/**
 * Which kernel implementation a {@link Kernels} calls. Every implementation returns the same
 * bits for the same call; they differ in speed and in what they need.
 */
public enum Implementation {
    /** The C library through FFM: OpenMP threads, SIMD picked at run time. Needs libparalelo. */
    NATIVE,
    /** The pure-Java twin of the C library: runs anywhere, one ForkJoinPool for threads. */
    JAVA
}
