package dev.paralelo;

/**
 * Which kernel implementation a {@link Kernels} calls. Every implementation returns the same
 * bits for the same call; they differ in speed and in what they need.
 */
public enum Implementation {
    /** The C library through FFM: its own team of threads, SIMD picked at run time. Needs libparalelo. */
    NATIVE,
    /**
     * The pure-Java twin on the Panama Vector API, at the JVM's preferred vector width. Needs the
     * {@code jdk.incubator.vector} module ({@code --add-modules jdk.incubator.vector}).
     */
    VECTOR,
    /** The pure-Java twin in plain scalar Java: runs anywhere. */
    SCALAR,
    /** The best pure-Java implementation available: VECTOR when it can run, else SCALAR. */
    JAVA
}
