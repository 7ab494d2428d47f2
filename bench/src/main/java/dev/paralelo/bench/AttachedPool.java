package dev.paralelo.bench;

import dev.paralelo.BlockPartition;
import dev.paralelo.pool.WorkerMain;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.pool.zmq.CurveKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A pool that listens on loopback TCP (ZeroMQ), plain or with CURVE, and its workers: JVMs that
 * attach as {@code paralelo worker --connect} does, one kernel thread each, the pure-Java
 * kernels, one-block tasks; batch 0 adapts, 1 sends one task per frame.
 */
record AttachedPool(WorkerPool pool, List<Process> workers, Path keys) implements AutoCloseable {
    static AttachedPool start(int n, int batch, boolean curve) throws Exception {
        Path keys = Leftovers.track(Files.createTempDirectory("paralelo-bench-keys"));
        List<Process> ps = new ArrayList<>();
        WorkerPool pool = null;
        try {
            Map<String, String> options = Map.of();
            List<String> extra = new ArrayList<>();
            if (curve) {
                Path server = CurveKeys.write(CurveKeys.generate(), keys, "pool");
                Path allow = Files.createDirectory(keys.resolve("allow"));
                for (int i = 0; i < n; i++) {
                    CurveKeys.write(CurveKeys.generate(), keys, "w" + i);
                    Files.copy(keys.resolve("w" + i + CurveKeys.PUBLIC_SUFFIX), allow.resolve("w" + i + CurveKeys.PUBLIC_SUFFIX));
                }
                options = Map.of("key", server.toString(), "allow", allow.toString());
                extra = List.of("--server-key", keys.resolve("pool" + CurveKeys.PUBLIC_SUFFIX).toString());
            }
            pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", options).taskElements(BlockPartition.BLOCK)
                    .batchSize(batch).start();
            for (int i = 0; i < n; i++) {
                List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                        WorkerMain.class.getName(), "--connect", pool.listenEndpoint(), "--worker", Integer.toString(i),
                        "--threads", "1", "--kernels", "java"));
                if (curve) {
                    c.addAll(List.of("--key", keys.resolve("w" + i + CurveKeys.SECRET_SUFFIX).toString()));
                    c.addAll(extra);
                }
                ps.add(new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            if (!pool.awaitWorkers(n, Duration.ofSeconds(60))) throw new IOException("only " + pool.liveWorkers() + " of " + n + " workers attached");
            return new AttachedPool(pool, ps, keys);
        } catch (Exception e) {
            new AttachedPool(pool, ps, keys).close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        if (pool != null) pool.close();
        for (Process p : workers) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> s = Files.walk(keys)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
