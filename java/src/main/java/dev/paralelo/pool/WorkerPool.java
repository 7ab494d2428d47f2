package dev.paralelo.pool;

import static dev.paralelo.pool.WireFormat.*;

import dev.paralelo.BlockPartition;
import dev.paralelo.BlockRange;
import dev.paralelo.CenteredSums;
import dev.paralelo.DType;
import dev.paralelo.ExactSum;
import dev.paralelo.Extremum;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.Implementation;
import dev.paralelo.IntegerMoments;
import dev.paralelo.IntegerSum;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.Partial;
import dev.paralelo.PartialFormatException;
import dev.paralelo.Reduction;
import dev.paralelo.SliceOp;
import dev.paralelo.SumMode;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Worker processes that run reductions over shared arrays, the task farm of the talk done
 * properly: the parent sends indirect messages (a task names an array file, a block range and a
 * kernel, never the data), many tasks per frame, and merges the workers' partial states exactly,
 * so every result has the bits the in-process kernels give ({@link dev.paralelo.Kernels}), for
 * any number of workers, whatever order results arrive in.
 *
 * <pre>{@code
 * try (WorkerPool pool = WorkerPool.start(2);
 *      SharedArray a = SharedArray.open("data", false)) {
 *     double s = pool.sum(a);   // == Kernels.defaults().sum(a.array(F64Array.class))
 * }
 * }</pre>
 *
 * <p>Tasks carry leases: a task not answered before its lease ends is sent again (to whichever
 * worker is free), and when a worker process dies every task in flight is sent again at once; the
 * first result for a task counts, later ones are dropped. A worker that stops (SIGSTOP) or hangs
 * while it holds a frame half-copied in the transport blocks every frame behind it, which no lease
 * can free: the pool kills it ({@link Transport#blockingWorker()}) and goes on without it (a start
 * that needed it fails, saying so, and so does a job it was the last worker of). A job runs on
 * the workers it has; when the next one starts, each of the pool's own workers that has died
 * (killed, crashed, or killed by the pool) is replaced by a new process, logged as a warning,
 * which takes tasks once it has started; a worker whose processes end before they say hello
 * three times in a row ({@link #MAX_FAILED_STARTS}) is not replaced any more. A job fails with
 * {@link PoolException} when a task cannot run on its array, when every worker has died during it, when a
 * process that is not one of the pool's workers blocks the transport so, when a killed worker
 * still blocks it 10 s later, or when no worker answers at all for the start timeout or ten
 * leases, whichever is longer (all of them stopped or hung: the message gives each one's state);
 * the workers exit when the pool closes, and by themselves within seconds when the parent dies.
 *
 * <p>The workers open each array by its path. So a job fails with PoolException, before any
 * task is sent, when the path no longer names the file the caller maps
 * ({@link SharedArray#checkSameFile}: it was removed, or another file was put there, as
 * {@code createOrReplace} does), and after its tasks when the path was replaced while it ran,
 * since the workers may then have read (or, for slices, written) the other file. An array mapped
 * in part ({@code openPart}) is refused with IllegalArgumentException.
 *
 * <p>One job runs at a time (methods are synchronized); each job uses all the workers. Workers
 * are JVMs started from the same class path (or module path), {@code threads} kernel threads
 * each: by default one worker per core and threads × workers = cores.
 *
 * <p>A pool can also {@linkplain Builder#listen listen} on a network endpoint
 * ({@code tcp://*:5555}, {@code dev.paralelo.pool.zmq}) for workers that attach by themselves
 * ({@code paralelo worker --connect tcp://HOST:5555}), alongside its own or instead of them
 * ({@code workers(0)}). Attached workers may join and leave at any time, also during a job: a
 * worker that leaves or goes silent is dropped by the transport and its tasks are sent again; a
 * job with no worker at all waits up to the start timeout for one to attach.
 */
public final class WorkerPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.paralelo");
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Builder settings;
    /** What the jobs use: local, remote, or both combined. */
    private final Transport transport;
    /** The transport of the pool's own workers (null with workers(0)), and the listening one (or null). */
    private final Transport local, remote;
    /**
     * The pool's own worker processes, by worker index (a dead one's place taken by its
     * replacement at the next job); read by the shutdown hook while start() may still add to it.
     */
    private final List<Process> processes = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The last workers replaced after they died, kept for their pids (see unblock): at most FORMER. */
    private final ArrayDeque<Process> former = new ArrayDeque<>();
    private static final int FORMER = 1024;
    /** Workers replaced so far (they count as lost). */
    private long replaced;
    /** Each worker's command, fixed when the pool starts: replacements run the same. */
    private final List<List<String>> commands = new ArrayList<>();
    /** Held while worker processes start, and while close() takes the list of those to stop: none starts after. */
    private final Object starting = new Object();
    /** The pool's own workers that have said hello (by identity). */
    private final Set<Process> started = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Per worker index: replacements in a row that ended before they said hello. */
    private final int[] failedStarts;
    /** Replacements in a row that end before they say hello, after which a worker is not replaced any more. */
    public static final int MAX_FAILED_STARTS = 3;
    private final ScheduledExecutorService beat;
    private final Path log;
    private final Thread shutdownHook;
    private long jobs;
    private long lostSeen;
    private JobStats last = new JobStats(0, 0, 0, 0, 0);
    private volatile boolean closed;

    /** The most worker processes a pool starts: 8 per core, at least 64. */
    public static final int MAX_WORKERS = Math.max(64, 8 * Runtime.getRuntime().availableProcessors());

    /** The longest lease or start timeout: about 100 years of nanoseconds fit a long, and deadlines add them to nanoTime. */
    static final Duration LONGEST = Duration.ofDays(36_500);

    /** Settings for {@link #start()}; every setting has a default. */
    public static final class Builder {
        private int workers = Runtime.getRuntime().availableProcessors();
        private int threads;
        private int batch;
        private long taskElements;
        private Duration lease = Duration.ofSeconds(2);
        private Duration startTimeout = Duration.ofSeconds(60);
        private String scheme = "shm";
        private int maxFrameBytes = 64 << 10;
        private SumMode mode = SumMode.ACCURATE;
        private Implementation kernels;
        private final List<String> javaOptions = new ArrayList<>();
        private String listen;
        private Map<String, String> listenOptions = Map.of();

        private Builder() {}

        /** A copy: a pool keeps its own, so a builder changed or reused after start() changes no running pool. */
        private Builder(Builder b) {
            workers = b.workers;
            threads = b.threads;
            batch = b.batch;
            taskElements = b.taskElements;
            lease = b.lease;
            startTimeout = b.startTimeout;
            scheme = b.scheme;
            maxFrameBytes = b.maxFrameBytes;
            mode = b.mode;
            kernels = b.kernels;
            javaOptions.addAll(b.javaOptions);
            listen = b.listen;
            listenOptions = b.listenOptions;
        }

        /**
         * Worker processes the pool starts (default: one per core; 0 only for a pool that listens).
         *
         * @param n the number of worker processes, 0 to {@link WorkerPool#MAX_WORKERS}
         * @return this builder
         * @throws IllegalArgumentException if n is negative or more than {@link WorkerPool#MAX_WORKERS}
         */
        public Builder workers(int n) {
            if (n < 0) throw new IllegalArgumentException("a pool needs at least 0 workers, got " + n);
            if (n > MAX_WORKERS) {
                throw new IllegalArgumentException(n + " workers is more than a pool starts: at most " + MAX_WORKERS
                        + " (8 per core, at least 64), each a JVM");
            }
            workers = n;
            return this;
        }

        /**
         * Listens on endpoint for workers that attach by themselves (the transport is found by
         * the endpoint's scheme: {@code tcp} is ZeroMQ, {@code dev.paralelo.pool.zmq}), with the
         * transport's options (for tcp: {@code key}, {@code allow}, {@code insecure}). Their tasks
         * are the same frames; the pool's own workers keep their transport.
         *
         * @param endpoint where to listen, for instance {@code tcp://*:5555} ({@code tcp://*:0}
         *     picks a free port, see {@link WorkerPool#listenEndpoint()})
         * @param options the listening transport's options by name, copied (empty for none)
         * @return this builder
         */
        public Builder listen(String endpoint, Map<String, String> options) {
            listen = Objects.requireNonNull(endpoint, "endpoint");
            listenOptions = Map.copyOf(options);
            return this;
        }

        /**
         * Kernel threads per worker (default: cores / workers, at least 1).
         *
         * @param n the threads each worker's kernels run on, at least 1
         * @return this builder
         * @throws IllegalArgumentException if n is below 1
         */
        public Builder threadsPerWorker(int n) {
            if (n < 1) throw new IllegalArgumentException("threads per worker must be >= 1, got " + n);
            threads = n;
            return this;
        }

        /**
         * Tasks per frame; 0 (the default) adapts: about a quarter of a worker's share of a job, at most 256.
         *
         * @param n the tasks in one TASKS frame, or 0 to adapt
         * @return this builder
         * @throws IllegalArgumentException if n is negative
         */
        public Builder batchSize(int n) {
            if (n < 0) throw new IllegalArgumentException("batch size must be >= 0 (0 = adaptive), got " + n);
            batch = n;
            return this;
        }

        /**
         * Elements per task, a multiple of {@link BlockPartition#BLOCK}; 0 (the default) adapts:
         * about 8 tasks per worker, between 16 blocks and 4 Mi elements per task.
         *
         * @param n the elements one task reduces, or 0 to adapt
         * @return this builder
         * @throws IllegalArgumentException if n is negative or not a multiple of the block
         */
        public Builder taskElements(long n) {
            if (n < 0 || n % BlockPartition.BLOCK != 0) {
                throw new IllegalArgumentException("task length must be a multiple of " + BlockPartition.BLOCK + " (0 = adaptive), got " + n);
            }
            taskElements = n;
            return this;
        }

        /**
         * How long a task may stay unanswered before it is sent again (default 2 s).
         *
         * @param d the lease of each task, from the moment its frame is sent
         * @return this builder
         * @throws IllegalArgumentException if d is zero or negative, or longer than 36,500 days
         */
        public Builder lease(Duration d) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("lease must be positive, got " + d);
            if (d.compareTo(LONGEST) > 0) throw new IllegalArgumentException("lease must be at most " + LONGEST.toDays() + " days, got " + d);
            lease = d;
            return this;
        }

        /**
         * How long the workers may take to start and say hello, and how long a job waits when no
         * worker is attached (default 60 s).
         *
         * @param d the time limit for the workers' hellos, and for a job to find a worker
         * @return this builder
         * @throws IllegalArgumentException if d is zero or negative, or longer than 36,500 days
         */
        public Builder startTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("start timeout must be positive, got " + d);
            if (d.compareTo(LONGEST) > 0) {
                throw new IllegalArgumentException("start timeout must be at most " + LONGEST.toDays() + " days, got " + d);
            }
            startTimeout = d;
            return this;
        }

        /**
         * The transport's scheme (default {@code shm}: rings in shared memory).
         *
         * @param s the scheme of the pool's own workers' transport, as {@link Transports#provider} finds it
         * @return this builder
         */
        public Builder transport(String s) {
            scheme = Objects.requireNonNull(s, "scheme");
            return this;
        }

        /**
         * The summation mode of the workers' sums and dots (default accurate).
         *
         * @param m the mode every task of a sum, mean or dot runs with
         * @return this builder
         */
        public Builder mode(SumMode m) {
            mode = Objects.requireNonNull(m, "mode");
            return this;
        }

        /**
         * The kernels the workers run (null, the default: each worker's provider decides, as
         * in-process: the native kernels where the library loads). The bits are the same with
         * every choice. If another process truncates an array file while a task reads it, the
         * worker reports an error and lives on with every choice too: the pure-Java kernels
         * through the JVM, which turns the fault into an error, and the native ones through
         * their SIGBUS guard (docs/FORMAT.md).
         *
         * @param i the workers' kernels, or null for each worker's provider's choice
         * @return this builder
         */
        public Builder workerKernels(Implementation i) {
            kernels = i;
            return this;
        }

        /**
         * Extra JVM options for the worker processes (for instance {@code -Dparalelo.provider=java}).
         *
         * @param options options added, in order, after those the pool passes itself
         * @return this builder
         */
        public Builder javaOptions(List<String> options) {
            javaOptions.addAll(options);
            return this;
        }

        /**
         * Starts the workers and waits until each has said hello.
         *
         * @return the running pool, its workers started and, when set, listening
         * @throws IOException if the transport cannot be created or bound, or a worker process
         *     cannot be started
         * @throws PoolException if a worker exits or stays silent for the start timeout while starting,
         *     or another process blocks the transport while they start (a worker of the pool that blocks
         *     it is killed, and then has exited)
         * @throws IllegalArgumentException for 0 workers without {@link #listen}, or a scheme or
         *     endpoint no transport serves
         */
        public WorkerPool start() throws IOException {
            return new WorkerPool(this);
        }
    }

    /**
     * Settings to adjust before {@link Builder#start()}.
     *
     * @return a new builder with every setting at its default
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A pool of n workers with the default settings.
     *
     * @param n the number of worker processes, at least 1
     * @return the running pool, each worker started and said hello
     * @throws IOException if the transport cannot be created or a worker process cannot be started
     * @throws PoolException if a worker exits or stays silent for the start timeout while starting,
     *     or another process blocks the transport while they start (a worker of the pool that blocks
     *     it is killed, and then has exited)
     */
    public static WorkerPool start(int n) throws IOException {
        return builder().workers(n).start();
    }

    private WorkerPool(Builder given) throws IOException {
        Builder b = new Builder(given);
        this.settings = b;
        this.failedStarts = new int[b.workers];
        if (b.workers == 0 && b.listen == null) throw new IllegalArgumentException("a pool with 0 workers must listen for attached ones");
        if (b.threads == 0) b.threads = Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, b.workers));
        // Listen first: its keys and allow list are read there, and the ring file of the pool's own
        // workers, created after, is then not left behind by a pool stopped while it reads them.
        Transport lis = b.listen != null ? Transports.forEndpoint(b.listen).listen(b.listen, b.maxFrameBytes, b.listenOptions) : null, l;
        try {
            l = b.workers > 0 ? Transports.provider(b.scheme).create(b.workers, b.maxFrameBytes) : null;
        } catch (IOException | RuntimeException e) {
            if (lis != null) lis.close();
            throw e;
        }
        this.local = l;
        this.remote = lis;
        this.transport = l == null ? lis : lis == null ? l : new CombinedTransport(lis, l);
        this.log = Files.createTempFile("paralelo-pool-", ".log",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "paralelo-pool-heartbeat-" + POOLS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.shutdownHook = new Thread(this::stopWorkers, "paralelo-pool-shutdown");
        try {
            beat.scheduleAtFixedRate(transport::heartbeat, 0, 100, TimeUnit.MILLISECONDS);
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            for (int i = 0; i < b.workers; i++) commands.add(List.copyOf(command(i)));
            synchronized (starting) {
                for (int i = 0; i < b.workers && !closed; i++) processes.add(startWorker(i));
            }
            awaitHellos();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts worker index with the command the pool was started with, its output appended to the log. */
    private Process startWorker(int index) throws IOException {
        return new ProcessBuilder(commands.get(index)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private List<String> command(int index) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String modulePath = System.getProperty("jdk.module.path");
        boolean modular = WorkerPool.class.getModule().isNamed() && modulePath != null;
        c.add(modular ? "--enable-native-access=dev.paralelo" : "--enable-native-access=ALL-UNNAMED");
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) c.add("--add-modules=jdk.incubator.vector");
        c.add("-XX:+UseSerialGC");
        for (Map.Entry<Object, Object> e : System.getProperties().entrySet()) {
            if (e.getKey() instanceof String k && k.startsWith("paralelo.")) c.add("-D" + k + "=" + e.getValue());
        }
        // No -Dparalelo.vector.mappedReads=direct by default: reading mapped arrays in place can
        // kill a Java worker whose kernel is not compiled yet when the file is truncated
        // (VectorRangeKernels, "Mapped files"); a parent that sets it passes it on above.
        c.addAll(settings.javaOptions);
        if (modular) {
            c.addAll(List.of("-p", modulePath, "-m", "dev.paralelo/" + WorkerMain.class.getName()));
        } else {
            c.addAll(List.of("-cp", System.getProperty("java.class.path"), WorkerMain.class.getName()));
        }
        c.addAll(List.of("--connect", local.endpoint(), "--worker", Integer.toString(index),
                "--threads", Integer.toString(settings.threads),
                "--kernels", settings.kernels == null ? "auto" : settings.kernels.name().toLowerCase(java.util.Locale.ROOT),
                "--log", log.toString())); // theirs to remove if this process dies (close() removes it otherwise)
        return c;
    }

    private void awaitHellos() {
        boolean[] seen = new boolean[settings.workers];
        int count = 0;
        long end = System.nanoTime() + settings.startTimeout.toNanos();
        while (count < settings.workers) {
            long left = end - System.nanoTime();
            if (left <= 0) throw new PoolException("only " + count + " of " + settings.workers + " workers started within "
                    + settings.startTimeout + logTail());
            for (int i = 0; i < processes.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    throw new PoolException("worker " + i + " exited with status " + processes.get(i).exitValue()
                            + killedWhy(processes.get(i)) + " while starting" + logTail());
                }
            }
            byte[] f = receive(Math.min(left, 50_000_000L));
            long blocker = blocker(); // a worker stopped half-way through its hello
            if (blocker != 0) unblock(blocker);
            if (f == null || Frames.type(f, f.length) != TYPE_HELLO) continue; // results of no job yet: none
            Hello h = Frames.decodeHello(f, f.length);
            // One of ours: its index and pid (a worker attached over the network says hello too).
            if (h.worker() < seen.length && !seen[h.worker()] && processes.get(h.worker()).pid() == h.pid()) {
                seen[h.worker()] = true;
                started.add(processes.get(h.worker()));
                count++;
            }
        }
    }

    // ---- reductions ------------------------------------------------------------------------------

    /**
     * The sum, as {@code Kernels.sum} gives it (integer sums exact, then converted).
     *
     * @param x the array, mapped by each worker from its file
     * @return the sum, rounded once to a double
     * @throws ArithmeticException if the exact sum of an integer array leaves the range of a long
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized double sum(SharedArray x) {
        Partial p = reduce(Reduction.SUM, x);
        return p instanceof ExactSum s ? s.round() : ((IntegerSum) p).longValueExact();
    }

    /**
     * The exact sum of an integer array.
     *
     * @param x the array, of an integer type
     * @return the sum, exact
     * @throws IllegalArgumentException if x is a float array
     * @throws ArithmeticException if the sum leaves the range of a long
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized long sumLong(SharedArray x) {
        if (x.array().dtype().isFloat()) throw new IllegalArgumentException("sumLong of a float array: use sum");
        return ((IntegerSum) reduce(Reduction.SUM, x)).longValueExact();
    }

    /**
     * The mean (NaN for an empty array, as numpy).
     *
     * @param x the array, mapped by each worker from its file
     * @return the exact sum divided by the length, rounded once
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized double mean(SharedArray x) {
        long n = x.array().length();
        Partial p = reduce(Reduction.MEAN, x);
        return p instanceof ExactSum s ? s.mean(n) : ((IntegerSum) p).mean(n);
    }

    /**
     * The smallest element (numpy's NaN rule: NaN if any element is NaN).
     *
     * @param x the array, mapped by each worker from its file
     * @return the smallest element, as a double
     * @throws IllegalArgumentException for an empty array
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized double min(SharedArray x) {
        return extreme(Reduction.MIN, x);
    }

    /**
     * The largest element (numpy's NaN rule: NaN if any element is NaN).
     *
     * @param x the array, mapped by each worker from its file
     * @return the largest element, as a double
     * @throws IllegalArgumentException for an empty array
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized double max(SharedArray x) {
        return extreme(Reduction.MAX, x);
    }

    private double extreme(Reduction op, SharedArray x) {
        if (x.array().length() == 0) throw new IllegalArgumentException(op.name().toLowerCase(java.util.Locale.ROOT) + " of an empty array is undefined");
        Extremum e = (Extremum) reduce(op, x);
        return e.elementType().isFloat() ? e.doubleValue() : e.longValue();
    }

    /**
     * The variance with ddof degrees of freedom removed (NaN when length - ddof &lt;= 0).
     *
     * @param x the array, mapped by each worker from its file
     * @param ddof the degrees of freedom removed from the divisor, 0 or more (1: the sample variance)
     * @return the sum of squared deviations from the mean over length - ddof
     * @throws IllegalArgumentException if ddof is negative
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized double variance(SharedArray x, int ddof) {
        if (ddof < 0) throw new IllegalArgumentException("ddof must be >= 0, got " + ddof);
        Partial p = reduce(Reduction.VARIANCE, x);
        return p instanceof CenteredSums c ? c.variance(ddof) : ((IntegerMoments) p).variance(ddof);
    }

    /**
     * The population variance (ddof 0).
     *
     * @param x the array, mapped by each worker from its file
     * @return the mean of the squared deviations from the mean (NaN for an empty array)
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized double variance(SharedArray x) {
        return variance(x, 0);
    }

    /**
     * The dot product of two arrays of the same type and length, as {@code Kernels.dot}.
     *
     * @param x the first array
     * @param y the second array, of x's type and length
     * @return the sum of the products, rounded once to a double
     * @throws IllegalArgumentException if the types or lengths differ
     * @throws ArithmeticException if the exact dot of integer arrays leaves the range of a long
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized double dot(SharedArray x, SharedArray y) {
        Partial p = reduce(Reduction.DOT, x, y);
        return p instanceof ExactSum s ? s.round() : ((IntegerSum) p).longValueExact();
    }

    /**
     * The merged partial state of op over the whole of x, computed by the workers over the
     * ranges of one {@link BlockPartition}: the general form. A float variance takes one job
     * around the mean of a sample (two when that proves far from the mean, see
     * {@link CenteredSums#recenter()}) and returns the final {@link CenteredSums}.
     *
     * @param op the reduction, anything but {@link Reduction#DOT}
     * @param x the array, mapped by each worker from its file
     * @return the merged state, with the bits of the in-process kernels' state
     * @throws IllegalArgumentException if op is DOT
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized Partial reduce(Reduction op, SharedArray x) {
        Objects.requireNonNull(op, "op");
        if (op == Reduction.DOT) throw new IllegalArgumentException("a dot takes two arrays: reduce(DOT, x, y)");
        ArrayRef a = ref(x);
        if (op == Reduction.VARIANCE && a.dtype().isFloat()) {
            // The centre is the mean of a sample the parent reads itself (at most a block). One
            // that is not finite (an infinity or NaN in the sample) is carried as it is: the
            // state then finishes to NaN, as one process gives. A second job only when the
            // centre proves far from the mean, as in one process.
            double center;
            try {
                center = Kernels.defaults().varianceCenter(x.array());
            } catch (IllegalStateException e) { // the file was truncated under the parent's reads
                throw new PoolException("the variance's sample cannot be read: " + e.getMessage(), e);
            }
            CenteredSums p = (CenteredSums) partials(a, null, Reduction.VARIANCE, true, center);
            OptionalDouble again = p.recenter();
            if (again.isPresent()) p = (CenteredSums) partials(a, null, Reduction.VARIANCE, true, again.getAsDouble());
            unchanged(x);
            return p;
        }
        Partial p = partials(a, null, op, false, 0);
        unchanged(x);
        return p;
    }

    /**
     * The merged partial state of a dot of x and y.
     *
     * @param op {@link Reduction#DOT}, the only reduction over two arrays
     * @param x the first array
     * @param y the second array, of x's type and length
     * @return the merged state of the dot
     * @throws IllegalArgumentException if op is not DOT, or the types or lengths differ
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized Partial reduce(Reduction op, SharedArray x, SharedArray y) {
        if (op != Reduction.DOT) throw new IllegalArgumentException(op + " takes one array, not two");
        ArrayRef a = ref(x), b = ref(y);
        if (a.dtype() != b.dtype() || a.length() != b.length()) {
            throw new IllegalArgumentException("dot of a " + x.array().describe() + " and a " + y.array().describe());
        }
        Partial p = partials(a, b, op, false, 0);
        unchanged(x, y);
        return p;
    }

    private Partial partials(ArrayRef x, ArrayRef y, Reduction op, boolean around, double center) {
        List<ArrayRef> arrays = y == null ? List.of(x) : List.of(x, y);
        BlockPartition parts = BlockPartition.byLength(x.length(), taskLength(x.length()));
        List<Task> tasks = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            BlockRange r = parts.get(i);
            tasks.add(new Task(i, KIND_PARTIAL, op.code(), settings.mode.code(), around, 0, y == null ? NO_ARRAY : 1, NO_ARRAY,
                    r.start(), r.end(), 0, around ? center : 0.0));
        }
        byte[][] payloads = run(arrays, tasks);
        List<Partial> states = new ArrayList<>(payloads.length);
        for (int i = 0; i < payloads.length; i++) {
            if (payloads[i] == GROUPED) continue; // its state is merged into its group's
            try {
                states.add(Partial.fromBytes(payloads[i]));
            } catch (PartialFormatException e) {
                throw new PoolException("task " + i + ": a worker answered with a bad partial state: " + e.getMessage(), e);
            }
        }
        // The job's own empty state first: a worker's state of another kind, type, operation or
        // centre does not merge with it, so a wrong answer fails here and not as a cast later.
        Partial identity = identity(x.dtype(), op, around, center);
        try {
            return states.isEmpty() ? identity : identity.merge(Partial.mergeAll(states)); // sums in one pass, normalised once
        } catch (IllegalArgumentException e) { // a state of another kind, or counts past 2^62
            throw new PoolException("a worker answered with a state that does not fit the job: " + e.getMessage(), e);
        }
    }

    /**
     * out[j] = op(x[j*k .. min((j+1)*k, n))), as {@code Kernels.reduceSlices}, computed by the
     * workers, which write their slices into out in place (only acknowledgements travel back).
     *
     * @param op the kernel applied to each slice
     * @param x the input array
     * @param k the slice length in elements, at least 1 (the last slice may be shorter)
     * @param out the output, writable, not x, a .npy array (workers write into no raw file) with
     *     ceil(n / k) elements of op's output type for x
     * @throws IllegalArgumentException if k is below 1, out has the wrong type or length, is x, or
     *     is a raw file
     * @throws dev.paralelo.ReadOnlyArrayException if out was opened read-only
     * @throws PoolException if a task cannot run on the array, or every worker died
     */
    public synchronized void reduceSlices(SliceOp op, SharedArray x, long k, SharedArray out) {
        Objects.requireNonNull(op, "op");
        if (k < 1) throw new IllegalArgumentException("slice length k must be >= 1, got " + k);
        ArrayRef a = ref(x), o = ref(out);
        if (out.isReadOnly()) throw new dev.paralelo.ReadOnlyArrayException("out (" + out.path() + ") is read-only");
        if (out.header() == null) {
            throw new IllegalArgumentException("out (" + out.path() + ") is a raw file: workers write only into .npy arrays");
        }
        long m = a.length() / k + (a.length() % k != 0 ? 1 : 0);
        if (o.length() != m || o.dtype() != op.outputType(a.dtype())) {
            throw new IllegalArgumentException("out is a " + out.array().describe() + ", but " + op + " of " + a.dtype().label()
                    + " with k = " + k + " writes " + m + " " + op.outputType(a.dtype()).label() + " elements");
        }
        if (a.path().equals(o.path())) throw new IllegalArgumentException("out is x");
        long per = Math.max(1, taskLength(a.length()) / k);
        List<Task> tasks = new ArrayList<>();
        for (long j = 0, id = 0; j < m; j += per, id++) {
            tasks.add(new Task(id, KIND_SLICES, op.code(), settings.mode.code(), false, 0, NO_ARRAY, 1, j, Math.min(m, j + per), k, 0.0));
        }
        run(List.of(a, o), tasks);
        unchanged(x, out);
    }

    /** The state of op over no elements of type t, as the in-process kernels make it. */
    private Partial identity(DType t, Reduction op, boolean around, double center) {
        NumArray empty = switch (t) {
            case F64 -> F64Array.allocate(0);
            case F32 -> F32Array.allocate(0);
            case I64 -> I64Array.allocate(0);
            case I32 -> I32Array.allocate(0);
        };
        Kernels k = Kernels.using(Implementation.SCALAR).withMode(settings.mode);
        BlockRange none = new BlockRange(0, 0);
        return op == Reduction.DOT ? k.partial(op, empty, empty, none) : around ? k.partialAround(empty, none, center) : k.partial(op, empty, none);
    }

    private ArrayRef ref(SharedArray a) {
        Objects.requireNonNull(a, "array");
        a.checkIntact();
        // The workers open the path: it must still name the file the caller maps, or they would
        // read (or, for slices, write) another one (checked again after the job, see unchanged).
        try {
            a.checkSameFile();
        } catch (IllegalStateException e) {
            throw new PoolException("the workers cannot run on this array: " + e.getMessage(), e);
        }
        if (a.partStart() != 0 || a.array().length() != a.fileLength()) {
            throw new IllegalArgumentException(a.path() + " is mapped in part (elements [" + a.partStart() + ", "
                    + (a.partStart() + a.array().length()) + ") of " + a.fileLength() + "): a pool runs on whole arrays, which "
                    + "its workers map from the file");
        }
        NumArray v = a.array();
        return new ArrayRef(a.path().toAbsolutePath().toString(), v.dtype(), v.length());
    }

    /**
     * PoolException if an array's path no longer names the file the caller maps: it was replaced
     * or removed while the job ran, so the workers may have read (or written) another file.
     */
    private static void unchanged(SharedArray... arrays) {
        for (SharedArray a : arrays) {
            try {
                a.checkSameFile();
            } catch (IllegalStateException e) {
                throw new PoolException("the job's result cannot be trusted: " + e.getMessage() + " (during the job)", e);
            }
        }
    }

    private long taskLength(long n) {
        if (settings.taskElements > 0) return settings.taskElements;
        long per = n / (Math.max(1, Math.max(settings.workers, liveWorkers())) * 8L);
        per = (per + BlockPartition.BLOCK - 1) / BlockPartition.BLOCK * BlockPartition.BLOCK;
        return Math.clamp(per, 16L * BlockPartition.BLOCK, 4L << 20);
    }

    /**
     * The statistics of the last job.
     *
     * @return its tasks, frames, tasks sent again, duplicate results and wall time (all zero
     *     before the first job)
     */
    public synchronized JobStats lastJob() {
        return last;
    }

    /**
     * Workers that can take tasks: the pool's own whose process is alive (a replacement counts
     * from the moment the job that starts it does, before it has said hello), and those attached now.
     *
     * @return the number of such workers, 0 or more
     */
    public int liveWorkers() {
        int n = 0;
        for (Process p : processes) if (p.isAlive()) n++;
        return n + (remote == null ? 0 : Math.max(0, remote.workers()));
    }

    /** Workers lost so far: the pool's own that died (replaced or not), and those the transports dropped. */
    private long lostWorkers() {
        long n = replaced;
        for (Process p : processes) if (!p.isAlive()) n++;
        if (local != null) n += local.workersLost();
        if (remote != null) n += remote.workersLost();
        return n;
    }

    /**
     * Waits until at least n workers can take tasks (workers that attach count as they come), at
     * most timeout; false if there are fewer then. A job needs none of this (it waits for a first
     * worker by itself); it is for spreading a job over workers known to be coming. The pool's own
     * dead workers are replaced only when a job starts, so they do not come back while this waits.
     *
     * @param n how many workers to wait for
     * @param timeout how long to wait at most
     * @return true once {@link #liveWorkers()} reaches n, false if it has not by the timeout
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitWorkers(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (liveWorkers() < n) {
            if (end - System.nanoTime() <= 0) return false;
            Thread.sleep(10);
        }
        return true;
    }

    /**
     * The endpoint attached workers connect to (the port chosen when the pool listens on port 0),
     * or null when the pool does not listen.
     *
     * @return the listening transport's endpoint, for instance {@code tcp://0.0.0.0:5555}, or null
     */
    public String listenEndpoint() {
        return remote == null ? null : remote.endpoint();
    }

    /**
     * The process ids of the workers, in worker order (for tools and tests): a dead worker's,
     * until the next job starts its replacement, then the replacement's.
     *
     * @return the pids of the worker processes the pool started (attached workers are not included)
     */
    public List<Long> workerPids() {
        return processes.stream().map(Process::pid).toList();
    }

    // ---- the job loop ----------------------------------------------------------------------------

    /** A frame sent: its tasks and when their lease ends. */
    private record Sent(int[] tasks, long deadline) {}

    /**
     * The transport's send, its failures as {@link #onTransport}'s.
     */
    private boolean send(byte[] frame) {
        return onTransport(() -> transport.send(frame, 0, frame.length, 0));
    }

    /**
     * A call on the transport, whose failures (a ring file another process truncated or
     * corrupted, a socket gone) end the job as a PoolException; closing the pool meanwhile stays
     * a TransportClosedException.
     */
    private <T> T onTransport(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (TransportClosedException e) {
            throw e;
        } catch (IllegalStateException e) {
            throw new PoolException("the pool's transport failed: " + e.getMessage(), e);
        }
    }

    /** The transport's blocking worker (see {@link Transport#blockingWorker()}), its failures as {@link #onTransport}'s. */
    private long blocker() {
        return onTransport(transport::blockingWorker);
    }

    /** Why a worker that exited did, when the pool killed it: said in the messages that give its exit status. */
    private String killedWhy(Process p) {
        return killedAt.containsKey(p) ? " (killed by the pool: it blocked the transport for seconds, stopped or hung)" : "";
    }

    private byte[] receive(long timeoutNanos) {
        return onTransport(() -> transport.receive(timeoutNanos));
    }

    /** Runs tasks to completion; the OK payload of each, by task index. */
    private byte[][] run(List<ArrayRef> arrays, List<Task> tasks) {
        if (closed) throw new IllegalStateException("the pool is closed");
        replaceDead();
        long job = ++jobs;
        int n = tasks.size();
        byte[][] done = new byte[n][];
        boolean[] inFlight = new boolean[n];
        ArrayDeque<Integer> pending = new ArrayDeque<>(n);
        for (int i = 0; i < n; i++) pending.add(i);
        ArrayDeque<Sent> sent = new ArrayDeque<>();
        int batch = settings.batch > 0 ? settings.batch : Math.clamp(n / (Math.max(1, liveWorkers()) * 4L), 1, 256);
        // no more tasks in a frame than fit in one: a larger batch setting sends more frames
        int fit = (settings.maxFrameBytes - Frames.tasksLength(arrays, 0)) / WireFormat.TASK_LENGTH;
        if (fit < 1) throw new PoolException("the array paths are too long for a " + settings.maxFrameBytes + "-byte frame");
        batch = Math.min(batch, fit);
        long lease = settings.lease.toNanos();
        int remaining = n, flying = 0;
        long frames = 0, reissued = 0, duplicates = 0;
        long t0 = System.nanoTime(), alone = 0, answered = t0;
        // No answer at all for this long, with workers alive, is a pool whose workers are all
        // stopped or hung (leases cannot help: they only send the tasks again).
        long leaseNanos = settings.lease.toNanos(), silence = Math.max(settings.startTimeout.toNanos(),
                leaseNanos > LONGEST.toNanos() / 10 ? LONGEST.toNanos() : 10 * leaseNanos);
        boolean refused = false;
        while (remaining > 0) {
            // Process.isAlive reads what the JDK's reaper thread recorded (no system call);
            // onExit's callbacks would run in the common pool, which may be the caller's.
            int live = liveWorkers();
            long lost = lostWorkers();
            if (lost != lostSeen) {
                lostSeen = lost;
                // A worker died or was dropped: whatever it held comes back now, not after its lease.
                for (Sent s : sent) for (int i : s.tasks()) if (done[i] == null && inFlight[i]) {
                    inFlight[i] = false;
                    flying--;
                    pending.addFirst(i);
                    reissued++;
                }
                sent.clear();
            }
            if (live == 0 && remote == null) throw new PoolException("every worker died (" + exitStatuses() + ")" + logTail());
            // No worker at all, or none takes a task (attached workers may decline these tasks):
            // a job waits for one as long as the workers may take to start.
            if (live == 0 || (flying == 0 && refused)) {
                long now = System.nanoTime();
                if (alone == 0) alone = now;
                if (now - alone > settings.startTimeout.toNanos()) {
                    throw new PoolException(live == 0 ? "no worker attached to " + remote.endpoint() + " within " + settings.startTimeout
                            : "no worker took a task within " + settings.startTimeout + " (the " + live
                                    + " workers there may all decline these tasks: a Python worker runs only accurate sums and means)");
                }
            } else {
                alone = 0;
            }
            int window = Math.max(1, live) * batch * 2;
            refused = false;
            while (flying < window && !pending.isEmpty()) {
                int[] ids = new int[Math.min(batch, pending.size())];
                int c = 0;
                List<Task> part = new ArrayList<>(ids.length);
                while (c < ids.length && !pending.isEmpty()) {
                    int i = pending.poll();
                    if (done[i] != null) continue;
                    ids[c++] = i;
                    part.add(tasks.get(i));
                }
                if (c == 0) break;
                byte[] frame = Frames.encodeTasks(job, arrays, part);
                if (!send(frame)) { // the queue is full: wait for results
                    for (int j = c - 1; j >= 0; j--) pending.addFirst(ids[j]);
                    refused = true;
                    break;
                }
                frames++;
                long deadline = System.nanoTime() + lease;
                for (int j = 0; j < c; j++) {
                    inFlight[ids[j]] = true;
                }
                flying += c;
                sent.add(new Sent(c == ids.length ? ids : Arrays.copyOf(ids, c), deadline));
            }
            byte[] f = receive(flying > 0 || refused ? 1_000_000L : 0);
            while (f != null) {
                if (Frames.type(f, f.length) == TYPE_HELLO) hello(f); // a replacement has started
                if (Frames.type(f, f.length) == TYPE_RESULTS && Frames.job(f) == job) {
                    answered = System.nanoTime();
                    for (Result r : Frames.decodeResults(f, f.length).results()) {
                        if (r.status() == STATUS_GROUP) {
                            Frames.Group g = Frames.group(r);
                            long[] ids = g.tasks();
                            boolean fresh = true; // taken whole or not at all: its state covers every member
                            for (long id : ids) {
                                if (id < 0 || id >= n) throw new PoolException("a worker answered unknown task " + id);
                                fresh &= done[(int) id] == null;
                            }
                            for (int j = 0; j < ids.length; j++) {
                                int i = (int) ids[j];
                                if (fresh) {
                                    done[i] = j == 0 ? g.state() : GROUPED;
                                    remaining--;
                                } else if (done[i] != null) {
                                    duplicates++;
                                    continue;
                                } else if (inFlight[i]) { // a member was answered already: the others go out again
                                    pending.addFirst(i);
                                    reissued++;
                                } else {
                                    continue; // already waiting to go out again
                                }
                                if (inFlight[i]) {
                                    inFlight[i] = false;
                                    flying--;
                                }
                            }
                            continue;
                        }
                        if (r.status() != STATUS_OK) {
                            throw new PoolException("task " + r.taskId() + " failed: " + r.message());
                        }
                        if (r.taskId() < 0 || r.taskId() >= n) throw new PoolException("a worker answered unknown task " + r.taskId());
                        int i = (int) r.taskId();
                        if (done[i] != null) {
                            duplicates++;
                            continue;
                        }
                        done[i] = r.payload();
                        remaining--;
                        if (inFlight[i]) {
                            inFlight[i] = false;
                            flying--;
                        }
                    }
                }
                f = receive(0);
            }
            long blocker = blocker();
            if (blocker != 0) unblock(blocker);
            long now = System.nanoTime();
            if (live > 0 && flying > 0 && now - answered > silence) {
                throw new PoolException("no worker answered for " + silence / 1_000_000_000L + " s while " + remaining + " of " + n
                        + " tasks were left (" + workerStates() + "): are the workers stopped or hung?" + logTail());
            }
            while (!sent.isEmpty() && sent.peek().deadline() - now < 0) {
                for (int i : sent.poll().tasks()) if (done[i] == null && inFlight[i]) {
                    inFlight[i] = false;
                    flying--;
                    pending.add(i);
                    reissued++;
                }
            }
            while (!sent.isEmpty() && allDone(sent.peek(), done)) sent.poll();
        }
        last = new JobStats(n, frames, reissued, duplicates, System.nanoTime() - t0);
        return done;
    }

    /**
     * Starts a worker in the place of each of the pool's own that has died (killed, crashed, or
     * killed by the pool for blocking the transport), with the same index and settings; called
     * as a job starts, so that a job that loses workers finishes on the others (or fails when
     * none is left) and the next one runs on the pool's full size again. The job does not wait
     * for the new workers: they take tasks once they have started, as the others' leases and
     * the start timeout allow for. A replacement that cannot be started is logged, and the job
     * runs on the workers alive.
     */
    private void replaceDead() {
        if (local == null) return;
        synchronized (starting) {
            for (int i = 0; i < processes.size() && !closed; i++) {
                Process dead = processes.get(i);
                if (dead.isAlive() || failedStarts[i] >= MAX_FAILED_STARTS) continue;
                // Free what the dead left held in the rings while their pids name no process (a
                // replacement given one of those pids would be taken for the holder), and read the
                // hellos of replacements that started since the last job; again before each start.
                clearDead();
                String why = "exit " + dead.exitValue() + killedWhy(dead);
                failedStarts[i] = started.remove(dead) ? 0 : failedStarts[i] + 1;
                if (failedStarts[i] >= MAX_FAILED_STARTS) {
                    LOG.log(System.Logger.Level.WARNING, "worker " + i + " (pid " + dead.pid() + ") ended (" + why + "): "
                            + MAX_FAILED_STARTS + " of its processes in a row ended before they started, so it is not replaced any more"
                            + logTail());
                    continue;
                }
                killedAt.remove(dead);
                try {
                    Process p = startWorker(i);
                    // Never a pid of a worker replaced before (or of a dead one not replaced yet): a record such a
                    // worker left where the sweep above could not free it (behind one a live worker
                    // is still writing) would be taken for the new process's, which would then be
                    // killed as its holder. It has done nothing yet: end it and start another.
                    for (int t = 0; t < 8 && formerPid(p.pid()); t++) {
                        LOG.log(System.Logger.Level.DEBUG, "worker " + i + ": its new process got pid " + p.pid()
                                + ", a former worker's: starting another");
                        p.destroyForcibly();
                        try {
                            p.waitFor(5, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        p = startWorker(i);
                    }
                    if (former.size() == FORMER) former.removeFirst();
                    former.addLast(dead);
                    replaced++;
                    processes.set(i, p);
                    LOG.log(System.Logger.Level.WARNING, "worker " + i + " (pid " + dead.pid() + ") had ended (" + why
                            + "): started pid " + p.pid() + " in its place");
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "worker " + i + " (pid " + dead.pid() + ") had ended (" + why
                            + ") and cannot be replaced: " + e.getMessage());
                }
            }
        }
    }

    /**
     * Receives what waits in the transport (a replacement's HELLO, results of earlier jobs, which
     * are dropped as a job drops them) and sweeps, until a sweep frees nothing: a record a dead
     * worker left half-written behind frames not yet received is at the head once they are.
     */
    private void clearDead() {
        for (int round = 0; round < 64; round++) {
            for (int n = 0; n < DRAIN_LIMIT; n++) {
                byte[] f = receive(0);
                if (f == null) break;
                if (Frames.type(f, f.length) == TYPE_HELLO) hello(f);
            }
            if (onTransport(transport::sweep) == 0) return;
        }
    }

    /** The most frames {@link #clearDead} receives before each sweep (another process may publish without end). */
    private static final int DRAIN_LIMIT = 1 << 16;

    /**
     * Whether pid is that of one of the workers replaced so far (the last {@link #FORMER}), or of
     * one of the pool's workers that has died and is not replaced yet.
     */
    private boolean formerPid(long pid) {
        for (Process f : former) if (f.pid() == pid) return true;
        for (Process p : processes) if (p.pid() == pid && !p.isAlive()) return true;
        return false;
    }

    /** A HELLO: a replacement has started (one of ours: its index and pid match). */
    private void hello(byte[] f) {
        Hello h;
        try {
            h = Frames.decodeHello(f, f.length);
        } catch (ProtocolException e) {
            return; // not one of ours: ours encode theirs with this class
        }
        if (h.worker() >= 0 && h.worker() < processes.size() && processes.get(h.worker()).pid() == h.pid()) {
            started.add(processes.get(h.worker()));
        }
    }

    /**
     * A process keeps a frame of the transport half-copied and blocks it (stopped or hung): one
     * of ours is killed, and its death sends its tasks out again and lets the transport free the
     * frame; any other process fails the job, since only its owner may stop it. A worker of ours
     * that has ended already left its pid to another process: the transport frees its frame.
     */
    private void unblock(long pid) {
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            if (p.pid() != pid) continue;
            if (!p.isAlive()) {
                gone(pid);
                return;
            }
            long now = System.nanoTime();
            Long at = killedAt.putIfAbsent(p, now);
            if (at == null) {
                LOG.log(System.Logger.Level.WARNING, "worker " + i + " (pid " + pid + ") has held a frame of the pool's transport "
                        + "for seconds and blocks the other workers (stopped or hung?): killed");
                p.destroyForcibly();
            } else if (now - at > KILL_WAIT_NANOS) {
                throw new PoolException("worker " + i + " (pid " + pid + ") still blocks the pool's transport "
                        + KILL_WAIT_NANOS / 1_000_000_000L + " s after it was killed (SIGKILL): its process does not end");
            }
            return;
        }
        for (Process p : former) {
            if (p.pid() == pid) { // a replaced worker's pid, now another process's
                gone(pid);
                return;
            }
        }
        throw new PoolException("process " + pid + ", not one of this pool's workers, has held a frame of the pool's transport "
                + "for seconds and blocks it (stopped or hung?): resume it or stop it");
    }

    /** Tells the transport that a worker of the pool that held its frames has ended (its pid may be another process's now). */
    private void gone(long pid) {
        onTransport(() -> {
            transport.ownerGone(pid);
            return null;
        });
    }

    /**
     * When each worker that blocked the transport was killed (until the JDK sees it gone, it is
     * named again); by process, not pid, since a replacement may be given a killed one's pid.
     */
    private final Map<Process, Long> killedAt = new IdentityHashMap<>();
    /** How long a killed worker may go on blocking the transport before the job fails. */
    private static final long KILL_WAIT_NANOS = 10_000_000_000L;

    /** The payload of a task answered by another task's group result (compared by identity). */
    private static final byte[] GROUPED = new byte[0];

    private static boolean allDone(Sent s, byte[][] done) {
        for (int i : s.tasks()) if (done[i] == null) return false;
        return true;
    }

    /** Each worker's pid and state as /proc/PID/status gives it (T is stopped), or its exit status. */
    private String workerStates() {
        List<String> s = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            String state = "alive";
            if (!p.isAlive()) {
                state = "exit " + p.exitValue() + killedWhy(p);
            } else {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                        if (line.startsWith("State:")) state = line.substring(6).strip();
                    }
                } catch (IOException | RuntimeException e) {
                    // no /proc, or gone meanwhile: "alive" as the JDK last said
                }
            }
            s.add("worker " + i + " (pid " + p.pid() + "): " + state);
        }
        if (remote != null) s.add(Math.max(0, remote.workers()) + " attached");
        return String.join(", ", s);
    }

    private String exitStatuses() {
        List<String> s = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            s.add("worker " + i + ": " + (p.isAlive() ? "alive" : "exit " + p.exitValue() + killedWhy(p)
                    + (failedStarts[i] >= MAX_FAILED_STARTS ? " (not replaced: " + MAX_FAILED_STARTS + " in a row ended before they started)" : "")));
        }
        return String.join(", ", s);
    }

    /** The line a JVM prints on stderr when it starts with an incubator module, as the workers do. */
    private static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

    /** The last lines the workers printed, for an error message (without the JVMs' incubator notices). */
    private String logTail() {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
            lines.removeIf(INCUBATOR_NOTICE::equals); // each worker's JVM prints it at start (see command)
            if (lines.isEmpty()) return "";
            int from = Math.max(0, lines.size() - 10);
            return "; the workers' last output (" + log + "):\n  " + String.join("\n  ", lines.subList(from, lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    // ---- closing ---------------------------------------------------------------------------------

    /**
     * Stops the workers (they exit when the transport closes; any still running after 5 s are
     * killed), removes the transport's files and the workers' log. Idempotent; works after every
     * worker died.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        stopWorkers();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs or ran stopWorkers
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove the pool's log " + log + ": " + e.getMessage());
        }
    }

    private void stopWorkers() {
        closed = true; // the shutdown hook comes here without close(): no job starts a worker after this
        List<Process> all;
        synchronized (starting) {
            all = List.copyOf(processes);
        }
        beat.shutdownNow();
        try {
            if (transport != null) transport.close();
        } catch (IOException | RuntimeException | InternalError e) {
            LOG.log(System.Logger.Level.WARNING, "closing the pool's transport: " + e.getMessage());
        }
        long end = System.nanoTime() + 5_000_000_000L;
        for (Process p : all) {
            try {
                long left = end - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
