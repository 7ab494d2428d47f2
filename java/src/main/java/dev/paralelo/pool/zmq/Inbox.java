package dev.paralelo.pool.zmq;

import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;
import org.zeromq.ZMQ;

/**
 * The frames taken off one socket, and the lock that every use of that socket holds: a ZeroMQ
 * socket serves one thread at a time, and here the owner's thread and a heartbeat share it. The
 * lock is fair, and a wait polls in slices of at most 2 ms, so the heartbeat is never held off
 * for long.
 */
final class Inbox {
    /** Held by every use of the socket. */
    final ReentrantLock lock = new ReentrantLock(true);
    /** Frames for the owner, in arrival order (guarded by lock). */
    final ArrayDeque<byte[]> frames = new ArrayDeque<>();
    private final ZMQ.Poller poller;

    Inbox(ZMQ.Poller poller) {
        this.poller = poller;
    }

    /**
     * The next frame: runs pump (which takes in what arrived, and may throw) under the lock until
     * a frame is in, waiting at most timeoutNanos; null if none came.
     */
    byte[] next(long timeoutNanos, Runnable pump) {
        long end = System.nanoTime() + timeoutNanos;
        while (true) {
            lock.lock();
            try {
                pump.run();
                byte[] f = frames.poll();
                if (f != null) return f;
                if (!await(end)) return null;
            } finally {
                lock.unlock();
            }
        }
    }

    /** With the lock held: waits for the socket until end (System.nanoTime), at most one slice; false when end has passed. */
    boolean await(long end) {
        long left = end - System.nanoTime();
        if (left <= 0) return false;
        poller.poll(Math.max(1, Math.min(left, 2_000_000L) / 1_000_000L));
        return true;
    }
}
