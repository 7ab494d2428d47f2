package dev.paralelo.pool.zmq;

import dev.paralelo.pool.WorkerMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Real worker processes that attach to a pool, and the pool's warnings, for the zmq tests. */
final class Peers {
    private Peers() {}

    /** A worker JVM started with {@code WorkerMain --connect endpoint extra...}, its output in log. */
    static Process worker(String endpoint, Path log, String... extra) throws IOException {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xss4m"));
        String timeout = System.getProperty("paralelo.zmq.timeoutMillis");
        if (timeout != null) c.add("-Dparalelo.zmq.timeoutMillis=" + timeout);
        c.addAll(List.of("-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(), "--connect", endpoint,
                "--threads", "1", "--kernels", "java"));
        c.addAll(List.of(extra));
        return new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** The Python worker, examples/python/paralelo_worker.py, with {@code --connect endpoint extra...}. */
    static Process pythonWorker(String endpoint, Path log, String... extra) throws IOException {
        Path script = Path.of(System.getProperty("user.dir")).toAbsolutePath().resolveSibling("examples").resolve("python/paralelo_worker.py");
        List<String> c = new ArrayList<>(List.of(dev.paralelo.Python.executable("numpy, zmq"), script.toString(), "--connect", endpoint));
        c.addAll(List.of(extra));
        return new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    static String text(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Waits until the condition holds, at most seconds; false if it never did. */
    static boolean await(java.util.function.BooleanSupplier condition, double seconds) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) return true;
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    /** The warnings logged to "dev.paralelo" while it is open. */
    static final class Warnings extends Handler implements AutoCloseable {
        final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Logger logger = Logger.getLogger("dev.paralelo");
        private boolean wasParents = true;

        Warnings() {
            logger.addHandler(this);
        }

        /** Keeps the warnings off the console (a fuzz test makes many) until close. */
        void quiet() {
            wasParents = logger.getUseParentHandlers();
            logger.setUseParentHandlers(false);
        }

        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() < Level.WARNING.intValue()) return;
            synchronized (lines) {
                lines.add(r.getMessage());
                threads.add(r.getLongThreadID());
            }
        }

        /** The thread that logged each of lines. */
        private final List<Long> threads = new ArrayList<>();

        long count(String part) {
            synchronized (lines) {
                return lines.stream().filter(l -> l.contains(part)).count();
            }
        }

        /** The lines with part that the calling thread logged (not the pool's heartbeat thread, say). */
        long countMine(String part) {
            long me = Thread.currentThread().threadId(), n = 0;
            synchronized (lines) {
                for (int i = 0; i < lines.size(); i++) if (threads.get(i) == me && lines.get(i).contains(part)) n++;
            }
            return n;
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setUseParentHandlers(wasParents);
        }
    }
}
