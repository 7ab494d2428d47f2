package dev.paralelo.bench;

import dev.paralelo.F64Array;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Element access through {@link F64Array#get} with Paralelo's own index checks on (the default)
 * and off ({@code -Dparalelo.boundsChecks=false}); the two variants differ only in their fork's
 * arguments. The segment keeps checking bounds either way.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class ElementAccessBenchmark {
    @Param({"1000", "100003"})
    public int n;

    private F64Array x;

    @Setup
    public void setUp() {
        x = F64Array.allocate(n);
        for (int i = 0; i < n; i++) x.set(i, i);
        double want = (double) n * (n - 1) / 2;
        if (loop() != want) throw new IllegalStateException("element loop returned " + loop() + ", want " + want);
    }

    private double loop() {
        double s = 0;
        for (long i = 0; i < n; i++) s += x.get(i);
        return s;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
    public double checked() {
        return loop();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dparalelo.boundsChecks=false"})
    public double unchecked() {
        return loop();
    }
}
