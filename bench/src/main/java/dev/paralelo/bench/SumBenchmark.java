package dev.paralelo.bench;

import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import dev.paralelo.SumMode;
import dev.paralelo.kernel.JavaKernels;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sum of f64: Paralelo (accurate and fast, native and pure Java) against plain Java. Odd sizes
 * are included; each implementation's result is checked once against the exact sum in setup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class SumBenchmark {
    @Param({"16", "1000", "4097", "131072", "1048576", "67108864"})
    public int n;

    private double[] heap;
    private F64Array off;
    private final Kernels accurate = Kernels.defaults();
    private final Kernels fast = Kernels.defaults().withMode(SumMode.FAST);
    private final Kernels java = Kernels.using(new JavaKernels());

    @Setup(Level.Trial)
    public void setUp() {
        heap = new double[n];
        SplittableRandom r = new SplittableRandom(n);
        for (int i = 0; i < n; i++) heap[i] = r.nextDouble();
        off = F64Array.of(heap);
        double exact = java.sum(off);
        check("paralelo", accurate.sum(off), exact);
        check("paralelo-fast", fast.sum(off), exact);
        check("java-loop", javaLoop(), exact);
        check("java-stream", javaStream(), exact);
    }

    private static void check(String what, double got, double exact) {
        if (Math.abs(got - exact) > 1e-9 * Math.abs(exact)) {
            throw new IllegalStateException(what + " = " + got + ", exact " + exact);
        }
    }

    @Benchmark
    public double paralelo() {
        return accurate.sum(off);
    }

    @Benchmark
    public double paraleloFast() {
        return fast.sum(off);
    }

    @Benchmark
    public double paraleloJava() {
        return java.sum(off);
    }

    @Benchmark
    public double javaLoop() {
        double s = 0;
        for (double v : heap) s += v;
        return s;
    }

    @Benchmark
    public double javaStream() {
        return Arrays.stream(heap).sum();
    }
}
