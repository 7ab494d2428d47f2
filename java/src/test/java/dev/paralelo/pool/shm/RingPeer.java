package dev.paralelo.pool.shm;

import dev.paralelo.pool.TransportClosedException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process at the other end of a ring file, for {@link RingProcessTest}:
 * <pre>
 *   echo ENDPOINT     a worker: answers each task (8-byte id, payload) with its id and checksum
 *   hold ENDPOINT     takes one task record, records itself as its reader and stops there
 *   claim ENDPOINT    claims one result record, records itself as its writer and stops there
 *   parent DIR        creates a transport, prints its endpoint, heartbeats every 50 ms
 * </pre>
 * The stopping modes print a line once stopped and wait to be killed.
 */
public final class RingPeer {
    private RingPeer() {}

    static final long MS = 1_000_000;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** The answer to a task: its id and a checksum of the whole frame. */
    static byte[] answer(byte[] task) {
        long h = 1469598103934665603L;
        for (byte b : task) h = (h ^ b) * 1099511628211L;
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, ByteBuffer.wrap(task).order(ByteOrder.LITTLE_ENDIAN)
                .getLong(0)).putLong(8, h).array();
    }

    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "echo" -> echo(args[1]);
            case "hold" -> hold(args[1]);
            case "claim" -> claim(args[1]);
            case "parent" -> parent(Path.of(args[1]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static void echo(String endpoint) throws IOException {
        long answered = 0;
        try (ShmWorkerLink link = ShmWorkerLink.connect(endpoint)) {
            say("connected");
            for (;;) {
                byte[] task = link.receive(100 * MS);
                if (task == null) {
                    if (!link.parentAlive()) System.exit(3);
                    continue;
                }
                byte[] a = answer(task);
                if (!link.send(a, 0, a.length, 10_000 * MS)) System.exit(4);
                answered++;
            }
        } catch (TransportClosedException e) {
            say("closed after " + answered);
        }
    }

    static void hold(String endpoint) throws Exception {
        RingFile f = RingFile.open(Path.of(endpoint.substring(ShmTransport.SCHEME.length())));
        ShmRing r = f.tasks();
        MemorySegment seg = r.segment();
        for (;;) {
            long h = r.head();
            if (r.sequence(h) == h + 1) {
                int k = r.positions(r.frameLength(h));
                if (LONG.compareAndSet(seg, RingLayout.HEAD_OFFSET, h, h + k)
                        && r.casOwner(h, r.owner(h), r.ownerWord(h, RingLayout.READER | r.who()))) {
                    say("holding " + h);
                    Thread.sleep(Long.MAX_VALUE);
                }
            }
            Thread.onSpinWait();
        }
    }

    static void claim(String endpoint) throws Exception {
        RingFile f = RingFile.open(Path.of(endpoint.substring(ShmTransport.SCHEME.length())));
        ShmRing r = f.results();
        MemorySegment seg = r.segment();
        long t = r.tail();
        if (r.sequence(t) != t || !LONG.compareAndSet(seg, RingLayout.TAIL_OFFSET, t, t + 1)
                || !r.recordOwner(t, r.who())) {
            throw new IllegalStateException("the result ring was busy; the test expects it idle");
        }
        say("claimed " + t);
        Thread.sleep(Long.MAX_VALUE);
    }

    static void parent(Path dir) throws Exception {
        try (ShmTransport t = ShmTransport.create(dir, new RingGeometry(32, 64, 1024))) {
            say(t.endpoint());
            for (;;) {
                t.heartbeat();
                Thread.sleep(50);
            }
        }
    }

    /** Starts a peer JVM; its stderr goes to the test's. */
    static Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), RingPeer.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The peer's next line of output. */
    static String line(Process p) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = p.getInputStream().read()) != -1 && c != '\n'; ) sb.append((char) c);
        return new String(sb.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
