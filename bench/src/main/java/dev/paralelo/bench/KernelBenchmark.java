package dev.paralelo.bench;

import dev.paralelo.DType;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The whole suite: every kernel, element type, size (2^4 to 2^26 and odd sizes) and
 * implementation of {@link Cases}. Combinations an implementation does not provide are skipped
 * at setup. {@code ./paralelo bench --full} runs it and converts the results to the report's JSON.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class KernelBenchmark {
    @Param({"sum", "mean", "variance", "dot", "min", "add", "slice-sum-8", "slice-sum-64", "slice-sum-1024", "ragged-sum"})
    public String kernel;

    @Param({"f64", "f32", "i32"})
    public String dtype;

    @Param({"16", "256", "1000", "4096", "4097", "65536", "131072", "1048576", "4194304", "16777216", "67108864"})
    public int n;

    @Param({"paralelo", "paralelo-1t", "paralelo-fast", "paralelo-scalar", "paralelo-vector", "paralelo-vector-fast", "java-loop",
        "java-segment-loop", "java-stream",
        "java-parallel-stream", "java-vector"})
    public String impl;

    private Cases.Case c;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        String name = impl.equals("paralelo-1t") ? Cases.PARALELO : impl;
        int threads = impl.equals("paralelo-1t") ? 1 : impl.equals(Cases.PARALLEL_STREAM) ? Cases.CORES : impl.startsWith("paralelo") ? 0 : 1;
        c = Cases.make(kernel, DType.parse(dtype), n, name, threads);
        if (c == null) throw new UnsupportedOperationException("skip: " + impl + " has no " + kernel + " for " + dtype);
    }

    @Benchmark
    public double run() {
        return c.op().getAsDouble();
    }
}
