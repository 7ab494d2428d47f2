package dev.paralelo.pool;

import java.io.IOException;

/**
 * Two transports as one, for a pool with local workers and a network endpoint: a frame goes to
 * the first transport that takes it at once (remote first, since its transport takes a frame
 * only when an attached worker is free for it), and frames come back from either. One thread
 * sends and receives, as on any parent end.
 */
final class CombinedTransport implements Transport {
    /** How long one side is waited on before the other is looked at. */
    private static final long SLICE_NANOS = 50_000L;

    private final Transport first, second;
    private boolean firstNext = true;

    CombinedTransport(Transport first, Transport second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public boolean send(byte[] frame, int off, int len, long timeoutNanos) {
        if (len > maxFrameBytes()) throw new IllegalArgumentException("frame of " + len + " bytes exceeds " + maxFrameBytes());
        long end = System.nanoTime() + timeoutNanos;
        while (true) {
            if (first.send(frame, off, len, 0) || second.send(frame, off, len, 0)) return true;
            if (end - System.nanoTime() <= 0) return false;
            java.util.concurrent.locks.LockSupport.parkNanos(SLICE_NANOS);
        }
    }

    @Override
    public byte[] receive(long timeoutNanos) {
        long end = System.nanoTime() + timeoutNanos;
        while (true) {
            // Alternate which side is asked first, so that a busy side cannot starve the other.
            Transport a = firstNext ? first : second, b = firstNext ? second : first;
            firstNext = !firstNext;
            byte[] f = a.receive(0);
            if (f == null) f = b.receive(0);
            if (f != null) return f;
            long left = end - System.nanoTime();
            if (left <= 0) return null;
            f = a.receive(Math.min(left, SLICE_NANOS));
            if (f != null) return f;
        }
    }

    @Override
    public int maxFrameBytes() {
        return Math.min(first.maxFrameBytes(), second.maxFrameBytes());
    }

    /** The first transport's endpoint (the one workers attach to). */
    @Override
    public String endpoint() {
        return first.endpoint();
    }

    @Override
    public void heartbeat() {
        first.heartbeat();
        second.heartbeat();
    }

    @Override
    public int workers() {
        int a = first.workers(), b = second.workers();
        return a < 0 || b < 0 ? -1 : a + b;
    }

    @Override
    public long workersLost() {
        return first.workersLost() + second.workersLost();
    }

    @Override
    public long blockingWorker() {
        long a = first.blockingWorker(); // a finding of the second waits for the next call, not lost
        return a != 0 ? a : second.blockingWorker();
    }

    @Override
    public void ownerGone(long pid) {
        first.ownerGone(pid);
        second.ownerGone(pid);
    }

    @Override
    public int sweep() {
        return first.sweep() + second.sweep();
    }

    @Override
    public void close() throws IOException {
        try {
            first.close();
        } finally {
            second.close();
        }
    }
}
