package dev.paralelo.pool.zmq;

import dev.paralelo.pool.TransportClosedException;
import dev.paralelo.pool.WorkerLink;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * A worker's end of a {@link ZmqTransport}: a DEALER socket connected to the pool's endpoint.
 * A daemon thread sends a heartbeat every {@link ZmqTransport#HEARTBEAT_INTERVAL_NANOS}, also
 * while the worker computes, so a busy worker is never taken for a silent one.
 *
 * <p>{@link #parentAlive()} is false once the pool said it closed, or nothing came from it for
 * {@link ZmqTransport#timeoutNanos()} (also when it never answered: a wrong endpoint, or a pool
 * that refused this worker's key). One thread uses a link; the heartbeat shares the socket
 * under a lock.
 *
 * <p>Until the pool is first heard from, the link dials again every {@link #REDIAL_NANOS} and
 * sends again what it sent so far (the HELLO): JeroMQ's connecting side misses the server's
 * greeting on about 1 connection in 50 here (the TCP connection is up, 10 greeting bytes wait
 * unread in its socket, and the handshake never ends), and a new connection gets through.
 */
public final class ZmqWorkerLink implements WorkerLink {
    private final ZContext context;
    private final ZMQ.Socket dealer;
    private final Inbox inbox;
    private final ReentrantLock lock;
    private final ArrayDeque<byte[]> inbound;
    private final long timeout;
    private final Thread beat;
    private final String endpoint;
    private long lastHeard, dialed;
    /** Whether anything came from the pool yet; until then, what this end sent, to send again on a new connection. */
    private boolean heard;
    private final java.util.List<byte[]> early = new java.util.ArrayList<>();
    private boolean parentClosed;

    /** How long a connection may stay silent, before the pool is first heard from, until the link dials again. */
    static final long REDIAL_NANOS = 4 * ZmqTransport.HEARTBEAT_INTERVAL_NANOS;
    private volatile boolean closed;

    private ZmqWorkerLink(String endpoint, ZmqSecurity security) {
        this.timeout = ZmqTransport.timeoutNanos();
        this.endpoint = endpoint;
        this.context = new ZContext(1);
        try {
            dealer = context.createSocket(SocketType.DEALER);
            dealer.setLinger(200);
            dealer.setReconnectIVL(100);
            dealer.setSndHWM(10_000);
            dealer.setRcvHWM(10_000);
            dealer.setMaxMsgSize(16L * ZmqTransport.DEFAULT_MAX_FRAME_BYTES);
            dealer.setIPv6(endpoint.contains("[")); // tcp://[::1]:PORT
            if (security.curve()) {
                dealer.setCurveServerKey(ZMQ.Curve.z85Decode(security.serverKey()));
                dealer.setCurvePublicKey(ZMQ.Curve.z85Decode(security.own().publicKey()));
                dealer.setCurveSecretKey(ZMQ.Curve.z85Decode(security.own().secretKey()));
            }
            dealer.connect(endpoint);
            ZMQ.Poller poller = context.createPoller(1);
            poller.register(dealer, ZMQ.Poller.POLLIN);
            inbox = new Inbox(poller);
            lock = inbox.lock;
            inbound = inbox.frames;
        } catch (ZMQException | IllegalArgumentException e) {
            context.close();
            throw new IllegalArgumentException("cannot connect to " + endpoint + ": " + e.getMessage(), e);
        }
        lastHeard = dialed = System.nanoTime();
        beat = new Thread(this::beat, "paralelo-zmq-heartbeat");
        beat.setDaemon(true);
        beat.start();
    }

    /**
     * Connects to the pool at endpoint ({@code tcp://HOST:PORT}) with options as
     * {@link ZmqSecurity#forConnect} reads them.
     *
     * @param endpoint the pool's endpoint, a host (not *) and port
     * @param options {@code key}, {@code server-key} and {@code insecure}
     * @return the worker's end, its heartbeat thread started
     * @throws IllegalArgumentException for a bad endpoint or options, or plain TCP to a host that
     *     is not loopback without {@code insecure}
     * @throws IOException if a key file cannot be read
     */
    public static ZmqWorkerLink connect(String endpoint, Map<String, String> options) throws IOException {
        ZmqSecurity s = ZmqSecurity.forConnect(endpoint, options);
        return connect(endpoint, s);
    }

    /**
     * Connects to the pool at endpoint with the given security.
     *
     * @param endpoint the pool's endpoint, {@code tcp://HOST:PORT} with a host, not *
     * @param security a CURVE client that knows the pool's public key, or {@link ZmqSecurity#PLAIN}
     * @return the worker's end, its heartbeat thread started
     * @throws IllegalArgumentException for a bad endpoint, or one that cannot be connected to
     */
    public static ZmqWorkerLink connect(String endpoint, ZmqSecurity security) {
        if (ZmqSecurity.host(endpoint).equals("*")) throw new IllegalArgumentException("connect to a host, not * (" + endpoint + ")");
        return new ZmqWorkerLink(endpoint, security);
    }

    private void beat() {
        long interval = ZmqTransport.HEARTBEAT_INTERVAL_NANOS;
        while (!closed) {
            java.util.concurrent.locks.LockSupport.parkNanos(interval);
            lock.lock();
            try {
                if (closed) return;
                pump();
                if (!heard && System.nanoTime() - dialed > REDIAL_NANOS) redial();
                dealer.send(new byte[0], ZMQ.DONTWAIT);
            } catch (ZMQException e) {
                return; // the context is closing
            } finally {
                lock.unlock();
            }
        }
    }

    /** With the lock held: a new connection in place of a silent one, and what was sent so far sent again. */
    private void redial() {
        dealer.disconnect(endpoint);
        dealer.connect(endpoint);
        dialed = System.nanoTime();
        for (byte[] f : early) dealer.send(f, ZMQ.DONTWAIT);
    }

    /** Takes in what arrived: frames for the worker, heartbeats, the pool's close. */
    private void pump() {
        byte[] m;
        while ((m = dealer.recv(ZMQ.DONTWAIT)) != null) {
            while (dealer.hasReceiveMore()) dealer.recv(0); // never sent by a pool: ignored
            lastHeard = System.nanoTime();
            if (!heard) {
                heard = true;
                early.clear();
            }
            if (m.length == 0) continue;
            if (m.length == 1 && m[0] == ZmqTransport.CLOSE) {
                parentClosed = true;
                continue;
            }
            inbound.add(m);
        }
    }

    @Override
    public byte[] receive(long timeoutNanos) {
        return inbox.next(timeoutNanos, () -> {
            if (closed) throw new TransportClosedException("the link is closed");
            pump();
            if (inbound.isEmpty() && parentClosed) throw new TransportClosedException("the pool closed");
        });
    }

    @Override
    public boolean send(byte[] frame, int off, int len, long timeoutNanos) {
        if (len > maxFrameBytes()) throw new IllegalArgumentException("frame of " + len + " bytes exceeds the limit " + maxFrameBytes());
        long end = System.nanoTime() + timeoutNanos;
        while (true) {
            lock.lock();
            try {
                if (closed) throw new TransportClosedException("the link is closed");
                if (parentClosed) throw new TransportClosedException("the pool closed");
                if (dealer.send(frame, off, len, ZMQ.DONTWAIT)) {
                    if (!heard) early.add(java.util.Arrays.copyOfRange(frame, off, off + len));
                    return true;
                }
            } finally {
                lock.unlock();
            }
            if (end - System.nanoTime() <= 0) return false;
            java.util.concurrent.locks.LockSupport.parkNanos(200_000L);
        }
    }

    @Override
    public int maxFrameBytes() {
        return ZmqTransport.DEFAULT_MAX_FRAME_BYTES;
    }

    /** Whether the pool was heard from since the link dialed: from then on the link never dials again. */
    boolean heard() {
        lock.lock();
        try {
            if (!closed) pump();
            return heard;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean parentAlive() {
        lock.lock();
        try {
            if (closed || parentClosed) return false;
            pump();
            return !parentClosed && System.nanoTime() - lastHeard <= timeout;
        } finally {
            lock.unlock();
        }
    }

    /** Disconnects (waiting at most 200 ms for messages still queued). Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
        } finally {
            lock.unlock();
        }
        beat.interrupt();
        context.close();
    }
}
