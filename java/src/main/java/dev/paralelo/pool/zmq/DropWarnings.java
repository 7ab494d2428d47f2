package dev.paralelo.pool.zmq;

import java.util.function.Consumer;

/**
 * The warnings for dropped messages, at most {@link #PER_WINDOW} in a minute: a client that
 * floods the pool with bad frames would otherwise write a line to the log for each one. Past the
 * limit the drops are counted, and one line says how many once the minute is over (at the next
 * drop or heartbeat) or when the transport closes. Not thread-safe: the transport calls it under
 * its lock.
 */
final class DropWarnings {
    /** Warnings written one by one in a window. */
    static final int PER_WINDOW = 20;
    /** The window, one minute. */
    static final long WINDOW_NANOS = 60_000_000_000L;

    private final Consumer<String> sink;
    private long windowStart;
    private boolean started;
    private int written;
    private long suppressed;
    private String latest;

    /** Warnings go to sink, one string each. */
    DropWarnings(Consumer<String> sink) {
        this.sink = sink;
    }

    /** A message dropped at now (System.nanoTime), for the reason in warning. */
    void dropped(long now, String warning) {
        tick(now);
        if (written < PER_WINDOW) {
            written++;
            sink.accept(written == PER_WINDOW ? warning + " (the next drops this minute are counted, not each written)" : warning);
        } else {
            suppressed++;
            latest = warning;
        }
    }

    /** Ends the window once it is over, writing the count of drops it did not write. */
    void tick(long now) {
        if (!started) {
            started = true;
            windowStart = now;
        } else if (now - windowStart >= WINDOW_NANOS) {
            flush(now);
            windowStart = now;
            written = 0;
        }
    }

    /** Writes the count of drops not written yet, if any (the transport calls this on close too). */
    void flush(long now) {
        if (suppressed == 0) return;
        sink.accept("dropped " + suppressed + " more messages in the last " + Math.max(1, (now - windowStart) / 1_000_000_000L)
                + " s without a warning each; the latest: " + latest);
        suppressed = 0;
        latest = null;
    }
}
