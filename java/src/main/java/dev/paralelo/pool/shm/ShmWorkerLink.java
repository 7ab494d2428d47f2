package dev.paralelo.pool.shm;

import dev.paralelo.pool.WorkerLink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A worker's end of a {@link ShmTransport}: takes tasks from the ring file's task ring and puts
 * results on its result ring. One thread uses a link.
 *
 * <p>{@link #parentAlive()} is false once the parent has closed the transport, its process is
 * gone, or its heartbeat has not moved for {@link #HEARTBEAT_TIMEOUT_NANOS}. A link closed after
 * its parent died removes the ring file (if it is still the file it opened), since the parent
 * could not.
 */
public final class ShmWorkerLink implements WorkerLink {
    /** How long the parent's heartbeat may stand still before the parent counts as gone. */
    public static final long HEARTBEAT_TIMEOUT_NANOS = 3_000_000_000L;

    private final RingFile file;
    private final FrameExchange exchange;
    private final Object fileKey;
    private long lastBeat;
    private long lastBeatSeen;

    private ShmWorkerLink(RingFile file, Object fileKey) {
        this.file = file;
        this.fileKey = fileKey;
        this.exchange = new FrameExchange(file, file.results(), file.tasks(), null, null);
        this.lastBeat = file.heartbeat();
        this.lastBeatSeen = System.nanoTime();
    }

    /**
     * Connects to the transport at endpoint ({@code shm:PATH}, as {@link ShmTransport#endpoint()}
     * gives it).
     *
     * @param endpoint {@code shm:} followed by the ring file's path
     * @return the worker's end, holding the mapped ring file until {@link #close()}
     * @throws IllegalArgumentException if endpoint is not a {@code shm:} endpoint
     * @throws RingFormatException if the file is not a ring file this build can use
     * @throws IOException if it cannot be opened (missing, a link, another user's)
     */
    public static ShmWorkerLink connect(String endpoint) throws IOException {
        Objects.requireNonNull(endpoint, "endpoint");
        if (!endpoint.startsWith(ShmTransport.SCHEME) || endpoint.length() == ShmTransport.SCHEME.length()) {
            throw new IllegalArgumentException("not a shared-memory endpoint (shm:PATH): " + endpoint);
        }
        Path path = Path.of(endpoint.substring(ShmTransport.SCHEME.length()));
        RingFile f = RingFile.open(path);
        try {
            return new ShmWorkerLink(f, key(path));
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static Object key(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    @Override
    public byte[] receive(long timeoutNanos) {
        return exchange.receive(timeoutNanos);
    }

    @Override
    public boolean send(byte[] frame, int off, int len, long timeoutNanos) {
        return exchange.send(frame, off, len, timeoutNanos);
    }

    @Override
    public int maxFrameBytes() {
        return exchange.maxFrameBytes();
    }

    /**
     * The parent's pid, as the ring file records it.
     *
     * @return the pid the parent wrote into the ring file's header when it created it
     */
    public long parentPid() {
        return file.parentPid();
    }

    @Override
    public boolean parentAlive() {
        if (exchange.isShut() || file.closed()) return false;
        long now = System.nanoTime();
        long beat = file.heartbeat();
        if (beat != lastBeat) {
            lastBeat = beat;
            lastBeatSeen = now;
        } else if (now - lastBeatSeen > HEARTBEAT_TIMEOUT_NANOS) {
            return false;
        }
        return RingSweeper.processAlive(file.parentPid());
    }

    /** Unmaps the file; removes it too when the parent is gone without having closed it. Idempotent. */
    @Override
    public void close() throws IOException {
        if (exchange.isShut()) return;
        boolean orphaned = !file.closed() && !RingSweeper.processAlive(file.parentPid());
        exchange.shutDown();
        file.close();
        if (orphaned) {
            try {
                if (Objects.equals(fileKey, key(file.path()))) Files.deleteIfExists(file.path());
            } catch (NoSuchFileException e) {
                // another worker removed it first
            }
        }
    }
}
