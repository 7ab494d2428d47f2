package dev.paralelo.pool.zmq;

import static dev.paralelo.pool.WireFormat.*;

import dev.paralelo.pool.Frames;
import dev.paralelo.pool.Hello;
import dev.paralelo.pool.ProtocolException;
import dev.paralelo.pool.Transport;
import dev.paralelo.pool.TransportClosedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import org.zeromq.ZMsg;
import zmq.ZError;

/**
 * The parent's end of the ZeroMQ transport: a ROUTER socket bound to a {@code tcp://} endpoint,
 * to which workers connect DEALER sockets ({@link ZmqWorkerLink}) and attach at any time.
 *
 * <p>A worker counts once its HELLO arrived. Each TASKS frame goes to one worker that is free
 * for it: it has fewer than {@link #CREDIT} frames unanswered (a frame is answered when as many
 * results came back as it had tasks) and declines none of the frame's tasks (its HELLO says
 * which). {@link #send} returns false when no worker is free, so nothing waits in the
 * transport, and a frame is never given to a worker that cannot run it.
 *
 * <p>Everything a worker sends is checked before the pool sees it: a message longer than the
 * frame limit, a truncated or unknown frame, a frame of another version, a RESULTS frame that
 * does not decode, a frame from a worker that never said hello: each is dropped with one warning
 * (logger {@code dev.paralelo}; at most 20 a minute, then one line with the count:
 * {@link DropWarnings}), and the transport goes on. Messages longer than 16 times the
 * limit never arrive: ZeroMQ closes such a connection.
 *
 * <p>Heartbeats: the parent sends an empty message to every worker every
 * {@link #HEARTBEAT_INTERVAL_NANOS} (from {@link #heartbeat()}, which the pool calls every 100 ms),
 * and drops a worker from which nothing came for {@link #timeoutNanos()}; {@link #workersLost()}
 * then grows, and the pool sends what that worker held to the others.
 *
 * <p>One thread sends and receives; {@link #heartbeat()} and {@link #close()} may come from any
 * thread (a fair lock serialises every use of the socket).
 */
public final class ZmqTransport implements Transport {
    private static final System.Logger LOG = System.getLogger("dev.paralelo");

    /** How often each side sends a heartbeat. */
    public static final long HEARTBEAT_INTERVAL_NANOS = 500_000_000L;
    /** The default silence after which a worker is dropped (and the pool is given up by a worker). */
    public static final long DEFAULT_TIMEOUT_NANOS = 5_000_000_000L;
    /** Frames a worker may hold unanswered. */
    public static final int CREDIT = 2;
    /** The frame limit of this transport (both directions), as the pool uses it. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 << 10;
    /** The control message that tells the workers the pool closed (shorter than any frame). */
    static final byte CLOSE = 0x43;
    /** ZeroMQ I/O threads of the parent's end. */
    static final int IO_THREADS = Math.clamp(Runtime.getRuntime().availableProcessors() / 2, 1, 4);
    /** The ZAP domain of the pool's sockets. */
    static final String ZAP_DOMAIN = "paralelo";

    private final ZContext context;
    private final ZMQ.Socket router;
    private final ZMQ.Socket zap;
    private final ZmqSecurity security;
    private final String endpoint;
    private final int maxFrameBytes;
    private final long timeout;
    private final Inbox inbox;
    private final ReentrantLock lock;
    private final ArrayDeque<byte[]> inbound;
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private final java.util.Set<String> refused = new java.util.HashSet<>();
    private final DropWarnings drops = new DropWarnings(m -> LOG.log(System.Logger.Level.WARNING, m));
    private volatile int workers;
    private volatile long lost;
    private volatile boolean closed;
    private long lastBeat;
    private long serial;

    /** A TASKS frame a worker holds: its job and the ids of its tasks not answered yet. */
    private record Held(long job, java.util.Set<Long> open) {}

    /** A worker that said hello. */
    private static final class Peer {
        final byte[] id;
        final String name;
        Hello hello;
        /** When its last HELLO came. */
        long helloAt;
        long lastSeen;
        long lastSent;
        /** The frames it holds unanswered, oldest first. */
        final ArrayDeque<Held> held = new ArrayDeque<>();

        Peer(byte[] id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private ZmqTransport(String bind, int maxFrameBytes, ZmqSecurity security) {
        this.security = Objects.requireNonNull(security, "security");
        this.maxFrameBytes = maxFrameBytes;
        this.timeout = timeoutNanos();
        // Two I/O threads: each connection's encryption (CURVE) and framing runs on one of them.
        this.context = new ZContext(IO_THREADS);
        try {
            if (security.curve()) {
                // The ZAP handler must be bound before the socket it checks.
                zap = context.createSocket(SocketType.REP);
                zap.bind("inproc://zeromq.zap.01");
            } else {
                zap = null;
            }
            router = context.createSocket(SocketType.ROUTER);
            router.setLinger(200);
            router.setRouterMandatory(true);
            router.setSndHWM(100_000);
            router.setRcvHWM(100_000);
            router.setMaxMsgSize(16L * maxFrameBytes);
            router.setIPv6(bind.contains("[")); // tcp://[::1]:PORT; IPv4 sockets refuse such addresses
            if (security.curve()) {
                router.setZAPDomain(ZAP_DOMAIN);
                router.setCurveServer(true);
                router.setCurvePublicKey(ZMQ.Curve.z85Decode(security.own().publicKey()));
                router.setCurveSecretKey(ZMQ.Curve.z85Decode(security.own().secretKey()));
            }
            router.bind(bind);
            this.endpoint = router.getLastEndpoint();
            ZMQ.Poller poller = context.createPoller(2);
            poller.register(router, ZMQ.Poller.POLLIN);
            if (zap != null) poller.register(zap, ZMQ.Poller.POLLIN);
            inbox = new Inbox(poller);
            lock = inbox.lock;
            inbound = inbox.frames;
        } catch (ZMQException | IllegalArgumentException e) {
            context.close();
            String why = e instanceof ZMQException z && z.getErrorCode() == zmq.ZError.EADDRINUSE ? "the address is already in use"
                    : e.getMessage();
            throw new IllegalArgumentException("cannot listen on " + bind + ": " + why, e);
        }
    }

    /**
     * A transport listening on endpoint ({@code tcp://HOST:PORT}; port 0 or * picks a free one,
     * host * listens on every interface) with security from options, as {@link ZmqSecurity}
     * reads them.
     *
     * @param endpoint where to listen, {@code tcp://HOST:PORT}
     * @param maxFrameBytes the largest frame either direction carries, in bytes (at least a HELLO frame)
     * @param options {@code key}, {@code allow} and {@code insecure}, as {@link ZmqSecurity#forListen} takes them
     * @return the transport, bound and listening
     * @throws IOException if a key file cannot be read
     * @throws IllegalArgumentException for a bad endpoint or options, plain TCP on a non-loopback
     *     address without {@code insecure}, or an endpoint that cannot be bound
     */
    public static ZmqTransport listen(String endpoint, int maxFrameBytes, Map<String, String> options) throws IOException {
        return listen(endpoint, maxFrameBytes, ZmqSecurity.forListen(endpoint, options));
    }

    /**
     * A transport listening on endpoint with the given security.
     *
     * @param endpoint where to listen, {@code tcp://HOST:PORT}; port 0 or * picks a free one
     * @param maxFrameBytes the largest frame either direction carries, in bytes (at least a HELLO frame)
     * @param security CURVE with its allow list, or {@link ZmqSecurity#PLAIN}
     * @return the transport, bound and listening
     * @throws IllegalArgumentException for a bad endpoint, a frame limit below a HELLO frame, or
     *     an endpoint that cannot be bound
     */
    public static ZmqTransport listen(String endpoint, int maxFrameBytes, ZmqSecurity security) {
        ZmqSecurity.host(endpoint); // checks the form
        if (maxFrameBytes < HEADER_LENGTH + HELLO_LENGTH) throw new IllegalArgumentException("frame limit " + maxFrameBytes + " is too small");
        String bind = endpoint.endsWith(":0") ? endpoint.substring(0, endpoint.length() - 1) + "*" : endpoint;
        return new ZmqTransport(bind, maxFrameBytes, security);
    }

    /**
     * The silence after which a worker is dropped: {@code -Dparalelo.zmq.timeoutMillis}, default 5 s.
     *
     * @return the timeout in nanoseconds
     * @throws IllegalArgumentException if the property is shorter than two heartbeat intervals
     */
    public static long timeoutNanos() {
        long ms = Long.getLong("paralelo.zmq.timeoutMillis", DEFAULT_TIMEOUT_NANOS / 1_000_000L);
        if (ms < 2 * HEARTBEAT_INTERVAL_NANOS / 1_000_000L) {
            throw new IllegalArgumentException("paralelo.zmq.timeoutMillis must be at least two heartbeats ("
                    + 2 * HEARTBEAT_INTERVAL_NANOS / 1_000_000L + "), got " + ms);
        }
        return ms * 1_000_000L;
    }

    // ---- Transport -------------------------------------------------------------------------------

    @Override
    public boolean send(byte[] frame, int off, int len, long timeoutNanos) {
        if (len > maxFrameBytes) throw new IllegalArgumentException("frame of " + len + " bytes exceeds the limit " + maxFrameBytes);
        long end = System.nanoTime() + timeoutNanos;
        long needs = -1;
        Held held = held(frame, off, len);
        while (true) {
            lock.lock();
            try {
                open();
                pump();
                if (needs < 0 && anyDeclines()) {
                    needs = Frames.needs(Frames.decodeTasks(off == 0 ? frame : Arrays.copyOfRange(frame, off, off + len), len));
                }
                Peer p = free(Math.max(needs, 0));
                if (p != null && deliver(p, frame, off, len)) {
                    p.held.add(held);
                    p.lastSent = ++serial;
                    return true;
                }
                if (!inbox.await(end)) return false;
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public byte[] receive(long timeoutNanos) {
        return inbox.next(timeoutNanos, () -> {
            open();
            pump();
        });
    }

    @Override
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * The bound endpoint, with the port chosen ({@code tcp://0.0.0.0:5555} for host *).
     *
     * @return the endpoint a worker on this host can connect to, the actual port in place of 0 or *
     */
    @Override
    public String endpoint() {
        return endpoint;
    }

    /**
     * Whether CURVE is on.
     *
     * @return true when the socket is a CURVE server that admits only the allow list's keys
     */
    public boolean curve() {
        return security.curve();
    }

    @Override
    public void heartbeat() {
        lock.lock();
        try {
            if (closed) return;
            pump();
            long now = System.nanoTime();
            drops.tick(now);
            for (Iterator<Peer> it = peers.values().iterator(); it.hasNext(); ) {
                Peer p = it.next();
                if (now - p.lastSeen > timeout) {
                    it.remove();
                    workers = peers.size();
                    lost++;
                    LOG.log(System.Logger.Level.WARNING, "dropped worker " + p.name + ": silent for " + (now - p.lastSeen) / 1_000_000L
                            + " ms (more than " + timeout / 1_000_000L + "), " + p.held.size() + " frames it held go to others");
                }
            }
            if (now - lastBeat >= HEARTBEAT_INTERVAL_NANOS) {
                lastBeat = now;
                for (Peer p : List.copyOf(peers.values())) deliver(p, new byte[0], 0, 0);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int workers() {
        return workers;
    }

    @Override
    public long workersLost() {
        return lost;
    }

    /** Tells every worker that the pool closed, then closes the socket (waiting at most 200 ms for those messages). Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            drops.flush(System.nanoTime());
            // A copy: deliver drops a peer whose connection is gone (from the map being walked),
            // and quietly: a worker that left first is no news when the pool closes.
            for (Peer p : List.copyOf(peers.values())) deliver(p, new byte[] {CLOSE}, 0, 1, false);
            peers.clear();
            workers = 0;
        } finally {
            lock.unlock();
        }
        context.close();
    }

    // ---- inside the lock -------------------------------------------------------------------------

    private void open() {
        if (closed) throw new TransportClosedException("the transport is closed");
    }

    /**
     * Takes in what arrived: frames for the pool, heartbeats, ZAP requests; at most
     * {@link #PUMP_LIMIT} messages a call, so that a flood (ZeroMQ queues fairly between
     * connections) never holds the lock for long, nor keeps the pool from its own work.
     */
    private void pump() {
        if (zap != null) {
            ZMsg request;
            while ((request = ZMsg.recvMsg(zap, ZMQ.DONTWAIT)) != null) authenticate(request);
        }
        for (int n = 0; n < PUMP_LIMIT; n++) {
            byte[] id = router.recv(ZMQ.DONTWAIT);
            if (id == null) return;
            List<byte[]> parts = new ArrayList<>(1);
            while (router.hasReceiveMore()) parts.add(router.recv(0));
            take(id, parts);
        }
    }

    /** The most messages one {@link #pump} takes. */
    private static final int PUMP_LIMIT = 256;

    private void take(byte[] id, List<byte[]> parts) {
        String key = HexFormat.of().formatHex(id);
        Peer p = peers.get(key);
        long now = System.nanoTime();
        if (p != null) p.lastSeen = now;
        if (parts.size() != 1) {
            drop(p, key, "a message of " + parts.size() + " parts (a frame is one)");
            return;
        }
        byte[] f = parts.get(0);
        if (f.length == 0) return; // a heartbeat
        if (f.length > maxFrameBytes) {
            drop(p, key, "a message of " + f.length + " bytes, more than the frame limit " + maxFrameBytes);
            return;
        }
        try {
            int type = Frames.type(f, f.length);
            if (type == TYPE_HELLO) {
                Hello h = Frames.decodeHello(f, f.length);
                if (p == null) {
                    p = new Peer(id, key.length() > 10 ? key.substring(key.length() - 10) : key);
                    p.lastSeen = now;
                    peers.put(key, p);
                    workers = peers.size();
                    // A heartbeat at once: a link dials again while the pool stays silent, and a
                    // new worker should not wait for the next round of heartbeats to hear it.
                    if (!deliver(p, new byte[0], 0, 0)) return;
                }
                p.hello = h;
                p.helloAt = now;
                inbound.add(f);
            } else if (type == TYPE_RESULTS) {
                if (p == null) {
                    drop(null, key, "RESULTS from a worker that has not said hello");
                    return;
                }
                answered(p, Frames.decodeResults(f, f.length));
                inbound.add(f);
            } else {
                drop(p, key, "a TASKS frame (workers send RESULTS and HELLO)");
            }
        } catch (ProtocolException e) {
            drop(p, key, e.getMessage());
        }
    }

    /** The job and task ids of a TASKS frame (the pool's own: the task records end the frame). */
    private static Held held(byte[] frame, int off, int len) {
        ByteBuffer b = ByteBuffer.wrap(frame, off, len).slice().order(ByteOrder.LITTLE_ENDIAN);
        int count = b.getInt(COUNT_OFFSET);
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (int i = 0, at = len - count * TASK_LENGTH; i < count; i++, at += TASK_LENGTH) ids.add(b.getLong(at));
        return new Held(b.getLong(JOB_OFFSET), ids);
    }

    /**
     * Marks the tasks that results answer in the frames p holds; a frame with every task answered
     * is done, and frees p's credit. Results for tasks p was not given free nothing, so a worker
     * that answers what it was not asked (or never answers) gets no more work than it holds.
     */
    private static void answered(Peer p, Frames.ResultBatch results) {
        for (Held h : p.held) {
            if (h.job() != results.job()) continue;
            for (var r : results.results()) {
                if (r.status() == STATUS_GROUP) {
                    for (long id : Frames.group(r).tasks()) h.open().remove(id);
                } else {
                    h.open().remove(r.taskId());
                }
            }
        }
        p.held.removeIf(h -> h.open().isEmpty());
    }

    private void drop(Peer p, String key, String why) {
        drops.dropped(System.nanoTime(), "dropped a message from " + (p != null ? "worker " + p.name : "connection " + key) + ": " + why);
    }

    private boolean anyDeclines() {
        for (Peer p : peers.values()) if (p.hello.declines() != 0) return true;
        return false;
    }

    /** The worker to give a frame with these needs: fewest frames held, then the longest without one. */
    private Peer free(long needs) {
        Peer best = null;
        for (Peer p : peers.values()) {
            if (p.held.size() >= CREDIT || !p.hello.accepts(needs)) continue;
            if (best == null || p.held.size() < best.held.size() || (p.held.size() == best.held.size() && p.lastSent < best.lastSent)) best = p;
        }
        return best;
    }

    /** Sends one message to p; false (and p dropped, with a warning) when its connection is gone or full. */
    private boolean deliver(Peer p, byte[] frame, int off, int len) {
        return deliver(p, frame, off, len, true);
    }

    private boolean deliver(Peer p, byte[] frame, int off, int len, boolean warn) {
        boolean ok;
        String why;
        try {
            // Never blocks: a connection whose queue is full (a worker that reads nothing) is dropped.
            ok = router.send(p.id, ZMQ.SNDMORE | ZMQ.DONTWAIT) && router.send(frame, off, len, ZMQ.DONTWAIT);
            int err = ok ? 0 : router.errno();
            why = err == ZError.EHOSTUNREACH ? "its connection is gone"
                    : err == ZError.EAGAIN ? "its send queue is full, or its connection is closing" : "a send failed (error " + err + ")";
        } catch (ZMQException e) { // JeroMQ throws for every error but EAGAIN
            ok = false;
            why = e.getErrorCode() == ZError.EHOSTUNREACH ? "its connection is gone" : "a send failed (" + e.getMessage() + ")";
        }
        if (!ok && peers.remove(HexFormat.of().formatHex(p.id)) != null) {
            workers = peers.size();
            lost++;
            Peer again = redialed(p);
            if (again != null) {
                // The worker dialed again (ZmqWorkerLink.redial: it never heard the pool on this
                // connection) and said hello on the new one: this is its old connection closing,
                // which JeroMQ's ROUTER reports as a full queue. Nothing is lost but the frames
                // it held here, which go out again.
                LOG.log(System.Logger.Level.DEBUG, "dropped the old connection of worker " + p.name + ": it attached again as " + again.name);
            } else if (warn) {
                LOG.log(System.Logger.Level.WARNING, "dropped worker " + p.name + ": " + why);
            }
        }
        return ok;
    }

    /**
     * Another peer whose hello names the same process as p's (pid, worker index and threads) and
     * came after the last message on p's connection, or at most a heartbeat interval before it
     * (a pump may take the new connection's hello before a heartbeat still queued on the old
     * one), or null: p's worker dialed again. (Workers of two hosts or containers may share a
     * pid, an index and a thread count; one that was there well before p went silent is not
     * taken for p's new connection.)
     */
    private Peer redialed(Peer p) {
        if (p.hello == null) return null;
        for (Peer q : peers.values()) {
            if (q != p && q.hello != null && q.hello.pid() == p.hello.pid() && q.hello.worker() == p.hello.worker()
                    && q.hello.threads() == p.hello.threads() && q.helloAt - p.lastSeen > -HEARTBEAT_INTERVAL_NANOS) {
                return q;
            }
        }
        return null;
    }

    /** Answers a ZAP request: CURVE clients whose key is in the allow list pass (RFC 27). */
    private void authenticate(ZMsg request) {
        List<byte[]> f = new ArrayList<>();
        for (var frame : request) f.add(frame.getData());
        String status = "400", text = "not allowed", user = "";
        byte[] version = f.isEmpty() ? new byte[0] : f.get(0), requestId = f.size() > 1 ? f.get(1) : new byte[0];
        if (f.size() >= 7 && "1.0".equals(new String(version, StandardCharsets.US_ASCII))
                && "CURVE".equals(new String(f.get(5), StandardCharsets.US_ASCII)) && f.get(6).length == ZMQ.Curve.KEY_SIZE) {
            String key = ZMQ.Curve.z85Encode(f.get(6));
            String address = new String(f.get(3), StandardCharsets.UTF_8);
            List<String> problems = new ArrayList<>();
            try {
                Map<String, java.nio.file.Path> allowed = CurveKeys.allowed(security.allow(), problems);
                for (String p : problems) LOG.log(System.Logger.Level.WARNING, "allow list: skipped " + p);
                java.nio.file.Path file = allowed.get(key);
                if (file != null) {
                    status = "200";
                    text = "OK";
                    user = file.getFileName().toString();
                } else if (refused.add(key)) { // once per key: a refused worker keeps reconnecting
                    LOG.log(System.Logger.Level.WARNING, "refused a worker at " + address + ": its public key " + key + " is not in "
                            + security.allow());
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "refused a worker at " + address + ": cannot read the allow list " + security.allow()
                        + ": " + e.getMessage());
            }
        }
        ZMsg reply = new ZMsg();
        reply.add("1.0");
        reply.add(requestId);
        reply.add(status);
        reply.add(text);
        reply.add(user);
        reply.add(new byte[0]);
        reply.send(zap);
    }
}
