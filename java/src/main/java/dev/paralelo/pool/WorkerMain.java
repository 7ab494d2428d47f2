package dev.paralelo.pool;

import dev.paralelo.Implementation;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The entry point of a worker process:
 * {@code WorkerMain --connect ENDPOINT [--worker I] [--threads T] [--kernels auto|native|vector|scalar|java]
 * [--key FILE] [--server-key FILE] [--insecure]}.
 * The pool starts it; {@code paralelo worker} runs it by hand, for instance to attach to a pool
 * that listens on the network. The last three are transport options (the worker's own key pair,
 * the pool's public key, plain text on a network address: see {@code dev.paralelo.pool.zmq}).
 * Exit status 0 when the parent closed the pool, 2 for bad arguments, an endpoint it cannot
 * reach or kernel settings it cannot use, 3 when the parent died or went silent. A pool also
 * passes {@code --log FILE}, the log its workers write to, which a worker removes when it exits
 * because the process that started it died (a pool killed with kill -9 cannot).
 */
public final class WorkerMain {
    private WorkerMain() {}

    /**
     * Runs a worker until its parent closes the pool or dies, and exits with the status
     * {@link #run} returns.
     *
     * @param args the options of the class comment
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * {@link #main} without the exit.
     *
     * @param args the options of the class comment
     * @return the exit status: 0 when the parent closed the pool, 2 for bad arguments, an endpoint
     *     it cannot reach or kernel settings it cannot use, 3 when the parent died or went silent
     */
    public static int run(String[] args) {
        String endpoint = null, log = null;
        int worker = 0, threads = 1;
        Implementation kernels = null;
        Map<String, String> options = new LinkedHashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--connect" -> endpoint = value(args, ++i, a);
                    case "--worker" -> worker = Integer.parseInt(value(args, ++i, a));
                    case "--threads" -> threads = Integer.parseInt(value(args, ++i, a));
                    case "--kernels" -> {
                        String v = value(args, ++i, a);
                        try {
                            kernels = v.equals("auto") ? null : Implementation.valueOf(v.toUpperCase(java.util.Locale.ROOT));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("--kernels " + v + " names no kernels: use auto, native, vector, scalar or java");
                        }
                    }
                    case "--key", "--server-key" -> options.put(a.substring(2), value(args, ++i, a));
                    case "--insecure" -> options.put("insecure", "true");
                    case "--log" -> log = value(args, ++i, a);
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (endpoint == null) throw new IllegalArgumentException("--connect ENDPOINT is required");
            if (worker < 0 || threads < 1) throw new IllegalArgumentException("--worker must be >= 0 and --threads >= 1");
        } catch (IllegalArgumentException e) {
            System.err.println("paralelo worker: " + e.getMessage());
            return 2;
        }
        WorkerLink link;
        try {
            link = Transports.forEndpoint(endpoint).connect(endpoint, options);
        } catch (Exception e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            System.err.println("paralelo worker: " + (m.startsWith("cannot connect to ") ? m : "cannot connect to " + endpoint + ": " + m));
            return 2;
        }
        // The process that started this one: a pool, whose log (--log) is left to its workers
        // when it dies without closing (kill -9).
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Worker started;
        try {
            started = new Worker(link, worker, threads, kernels);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // A setting that names nothing valid, or kernels this JVM cannot run (a
            // ConfigurationException): one line, which the pool quotes, rather than a stack trace
            // whose last lines it would quote instead.
            System.err.println("paralelo worker: " + e.getMessage());
            try {
                link.close();
            } catch (java.io.IOException | RuntimeException ignored) {
                // exiting anyway; the line above says why
            }
            return 2;
        }
        try (Worker w = started) {
            int status = w.run();
            if (status == 3) {
                System.err.println("paralelo worker: no word from the pool at " + endpoint + " for too long; exiting");
                if (log != null && ProcessHandle.of(parent).map(h -> !h.isAlive()).orElse(true)) removeLog(Path.of(log));
            }
            return status;
        } catch (java.io.IOException e) {
            System.err.println("paralelo worker: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Removes the log of a pool that died (--log): only a regular file named like the logs a
     * pool makes (paralelo-pool-*.log), never through a link. Every worker of the pool tries; the
     * first removes it.
     */
    private static void removeLog(Path log) {
        String name = log.getFileName() == null ? "" : log.getFileName().toString();
        if (!name.startsWith("paralelo-pool-") || !name.endsWith(".log")) return;
        try {
            if (Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS)) Files.deleteIfExists(log);
        } catch (java.io.IOException e) {
            // exiting anyway: a log left in the temporary folder
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }
}
