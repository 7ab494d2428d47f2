package dev.paralelo.internal;

import dev.paralelo.F64Array;
import dev.paralelo.Implementation;
import dev.paralelo.Kernels;
import dev.paralelo.kernel.NativeKernels;

/** A child-JVM entry point for ConfigTest: sums with Kernels.using(args[0]) and prints the SIMD level. */
public final class UsingMain {
    private UsingMain() {}

    /** Prints "sum LEVEL"; exits 2 with one line on a configuration error. */
    public static void main(String[] args) {
        try {
            double s = Kernels.using(Implementation.valueOf(args[0])).sum(F64Array.of(1, 2, 3));
            System.out.println(s + " " + NativeKernels.levelName(NativeKernels.activeLevel()));
        } catch (IllegalStateException e) {
            System.err.println("paralelo: " + e.getMessage());
            System.exit(2);
        }
    }
}
