package dev.paralelo.pool.shm;

import dev.paralelo.pool.Transport;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The parent's end of the local transport: a ring file in shared memory
 * ({@code /dev/shm/paralelo-pool-PID-N.ring}, mode 0600) holding a ring of tasks to the workers
 * and a ring of results back (docs/FORMAT.md, "Ring file"). Workers connect with
 * {@link ShmWorkerLink#connect} to {@link #endpoint()}.
 *
 * <p>While it waits, the parent sweeps both rings: a record that a worker killed mid-frame left
 * claimed or unreleased is freed once its owner's process is gone (or, if the worker died before
 * recording itself, after {@link #STUCK_NANOS}), so a dead worker never wedges the rings; the
 * frame it held is lost and the pool's leases resend it. A worker that is alive but keeps such a
 * record for {@link #HELD_NANOS} (stopped with SIGSTOP, or hung, in the middle of copying a frame)
 * cannot be swept, since it may resume writing there; {@link #blockingWorker()} names it.
 *
 * <p>One thread sends and receives; {@link #heartbeat()} and {@link #close()} may come from any
 * thread.
 */
public final class ShmTransport implements Transport {
    /** Endpoint prefix of this transport. */
    public static final String SCHEME = "shm:";
    /** How long a record whose owner never recorded itself stays stuck before the parent frees it. */
    public static final long STUCK_NANOS = 1_000_000_000L;
    /**
     * How long a live worker may keep a record that blocks a ring before {@link #blockingWorker()}
     * names it. A healthy worker holds one for as long as it copies a frame (microseconds); five
     * seconds leaves room for a machine loaded far past its cores.
     */
    public static final long HELD_NANOS = 5_000_000_000L;

    private static final AtomicInteger SERIAL = new AtomicInteger();

    private final RingFile file;
    private final FrameExchange exchange;

    private ShmTransport(RingFile file) {
        this.file = file;
        this.exchange = new FrameExchange(file, file.tasks(), file.results(),
                new RingSweeper(file.tasks(), RingSweeper::processAlive, STUCK_NANOS, HELD_NANOS),
                new RingSweeper(file.results(), RingSweeper::processAlive, STUCK_NANOS, HELD_NANOS));
    }

    /**
     * A transport with {@link RingGeometry#DEFAULT} rings in {@link SharedArray#directory()}.
     *
     * @return the parent's end of a new ring file, which it deletes on {@link #close()}
     * @throws IOException if the file cannot be created (for instance the directory is full or not
     *     writable)
     */
    public static ShmTransport create() throws IOException {
        return create(SharedArray.directory(), RingGeometry.DEFAULT);
    }

    /**
     * A transport with rings of geometry g in a new file in dir, named
     * {@code paralelo-pool-PID-N.ring} with the first N not taken.
     *
     * @param dir an existing directory, normally on a tmpfs such as {@code /dev/shm}
     * @param g the rings' geometry
     * @return the parent's end of a new ring file, which it deletes on {@link #close()}
     * @throws FileAlreadyExistsException if 100 names in a row are taken by files of earlier
     *     processes that had this pid
     * @throws IOException if the file cannot be created
     */
    public static ShmTransport create(Path dir, RingGeometry g) throws IOException {
        Objects.requireNonNull(g, "g");
        long pid = ProcessHandle.current().pid();
        for (int tries = 0; ; tries++) {
            Path path = dir.resolve("paralelo-pool-" + pid + "-" + SERIAL.getAndIncrement() + ".ring");
            try {
                return new ShmTransport(RingFile.create(path, g));
            } catch (FileAlreadyExistsException e) {
                if (tries >= 100) throw e; // left over by an earlier process with our pid
            }
        }
    }

    @Override
    public boolean send(byte[] frame, int off, int len, long timeoutNanos) {
        return exchange.send(frame, off, len, timeoutNanos);
    }

    @Override
    public byte[] receive(long timeoutNanos) {
        return exchange.receive(timeoutNanos);
    }

    @Override
    public int maxFrameBytes() {
        return exchange.maxFrameBytes();
    }

    /**
     * A worker that has kept a record of either ring half-written or half-read for
     * {@link #HELD_NANOS}, blocking every frame behind it; found while the parent waits on a
     * stuck ring, and named once per finding.
     */
    @Override
    public long blockingWorker() {
        return exchange.takeBlocker();
    }

    @Override
    public void ownerGone(long pid) {
        exchange.ownerGone(pid);
    }

    /** Sweeps both rings until nothing more is freed there: the blocking records of owners that have ended. */
    @Override
    public int sweep() {
        return exchange.sweep();
    }

    /** {@code shm:} and the ring file's absolute path. */
    @Override
    public String endpoint() {
        return SCHEME + file.path().toAbsolutePath();
    }

    /** The parent's end of the ring file (for tests of its sole ends). */
    RingFile ringFile() {
        return file;
    }

    /**
     * The ring file.
     *
     * @return the ring file's path as given at creation
     */
    public Path path() {
        return file.path();
    }

    /**
     * The rings' geometry.
     *
     * @return the geometry both rings were created with
     */
    public RingGeometry geometry() {
        return file.geometry();
    }

    @Override
    public void heartbeat() {
        try {
            if (!exchange.isShut()) file.beat();
        } catch (IllegalStateException e) {
            if (!exchange.isShut()) throw e; // otherwise closed meanwhile: nobody listens any more
        }
    }

    /**
     * Sets the closed flag (workers see it at their next call and exit), unmaps the file and
     * deletes it. Idempotent; a call running in another thread fails with
     * {@link dev.paralelo.pool.TransportClosedException}. The file goes even when another process
     * truncated it (the flag cannot be set then; the workers fault on it and exit).
     */
    @Override
    public synchronized void close() throws IOException {
        if (exchange.isShut()) return;
        exchange.shutDown();
        try {
            file.markClosed();
        } catch (IllegalStateException e) {
            // truncated under the mapping: nothing to tell the workers through it
        } catch (InternalError e) {
            dev.paralelo.internal.MappingFault.orRethrow(e); // the same, seen by the JVM's access
        } finally {
            try {
                file.close();
            } finally {
                Files.deleteIfExists(file.path());
            }
        }
    }
}
