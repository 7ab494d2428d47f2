package dev.paralelo.bench;

import dev.paralelo.pool.shm.RingLayout;
import dev.paralelo.pool.shm.ShmRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * Messages per second through the pool's shared-memory ring ({@link ShmRing}) and through
 * Agrona's {@link OneToOneRingBuffer} and {@link ManyToOneRingBuffer}, 32-byte messages, in the
 * same run: one producer and one consumer (spsc), two producers and one consumer (mpsc). Ours
 * runs as the pool runs it: the spsc ring as the task ring, whose producer is the parent alone
 * (its sole-producer end) and whose consumer takes frames as any of several workers would; the
 * mpsc ring as the result ring, whose producers claim as several workers do and whose consumer
 * is the parent alone (its sole-consumer end). Every
 * ring is off-heap with 128 KiB of message space (ours: 4096 slots of 32 bytes, plus their
 * descriptors and owner words; Agrona's: 128 KiB of 40-byte records, plus its trailer).
 *
 * <p>A producer's operation writes one message, spinning while the ring is full, so the
 * producers' operations per second are the messages per second (the {@code offer}/{@code write}
 * rows; JMH sums a group's threads). Consumers take whatever is there in batches of up to 256
 * ({@link ShmRing#drain}, {@link RingBuffer#read(MessageHandler, int)}), count it in the
 * {@code messages} column, and check each message's first word.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RingBenchmark {
    static final int MESSAGE = 32, DATA_BYTES = 128 * 1024, BATCH = 256;
    static final long TAG = 0x5A5A_1234_5678_9ABCL;

    /** The message: 32 bytes starting with {@link #TAG}. */
    static byte[] message() {
        byte[] m = new byte[MESSAGE];
        ByteBuffer.wrap(m).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, TAG);
        return m;
    }

    /** Messages a consumer thread took, reported per second as "messages". */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Taken {
        /** Messages taken in this iteration. */
        public long messages;
    }

    /** Our ring over off-heap memory, shared by a group's threads; see {@link Tasks} and {@link Results}. */
    public abstract static class Shm {
        Arena arena;
        MemorySegment seg;
        ShmRing ring;
        final byte[] message = message();
        ShmRing.FrameHandler check;

        @Setup(Level.Trial)
        public void setUp() {
            int slots = DATA_BYTES / MESSAGE;
            arena = Arena.ofShared();
            seg = arena.allocate(RingLayout.length(slots, MESSAGE), 128);
            ShmRing.init(seg, MESSAGE, slots);
            ring = new ShmRing(seg, MESSAGE, slots, 4096, ProcessHandle.current().pid(), soleProducer(), soleConsumer());
            check = f -> {
                if (f.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != TAG) throw new IllegalStateException("torn message");
            };
            if (!ring.offer(message, 0, MESSAGE) || ring.drain(check, 1) != 1) throw new IllegalStateException("ring setup failed");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }

        abstract boolean soleProducer();

        abstract boolean soleConsumer();
    }

    /** As the pool's task ring: one producer (the parent's end), consumers that claim. */
    @State(Scope.Group)
    public static class Tasks extends Shm {
        @Override
        boolean soleProducer() {
            return true;
        }

        @Override
        boolean soleConsumer() {
            return false;
        }
    }

    /** As the pool's result ring: producers that claim, one consumer (the parent's end). */
    @State(Scope.Group)
    public static class Results extends Shm {
        @Override
        boolean soleProducer() {
            return false;
        }

        @Override
        boolean soleConsumer() {
            return true;
        }
    }

    /**
     * A producer's own view of the result ring, as each worker process has its own: its free mark
     * ({@link ShmRing}, "Free positions") is its own, not shared with the other producer's thread.
     */
    @State(Scope.Thread)
    public static class ResultsProducer {
        ShmRing ring;
        final byte[] message = message();

        @Setup(Level.Trial)
        public void setUp(Results r) {
            ring = new ShmRing(r.seg, MESSAGE, DATA_BYTES / MESSAGE, 4096, ProcessHandle.current().pid(), false, false);
        }
    }

    /** One of Agrona's rings over an off-heap buffer, shared by a group's threads. */
    public abstract static class Agrona {
        RingBuffer ring;
        final UnsafeBuffer message = new UnsafeBuffer(message());
        final MessageHandler check = (type, buffer, index, length) -> {
            if (buffer.getLong(index) != TAG) throw new IllegalStateException("torn message");
        };

        abstract RingBuffer make(UnsafeBuffer buffer);

        @Setup(Level.Trial)
        public void setUp() {
            ring = make(new UnsafeBuffer(ByteBuffer.allocateDirect(DATA_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
            if (!ring.write(1, message, 0, MESSAGE) || ring.read(check, 1) != 1) throw new IllegalStateException("ring setup failed");
        }
    }

    /** {@link OneToOneRingBuffer}. */
    @State(Scope.Group)
    public static class OneToOne extends Agrona {
        @Override
        RingBuffer make(UnsafeBuffer buffer) {
            return new OneToOneRingBuffer(buffer);
        }
    }

    /** {@link ManyToOneRingBuffer}. */
    @State(Scope.Group)
    public static class ManyToOne extends Agrona {
        @Override
        RingBuffer make(UnsafeBuffer buffer) {
            return new ManyToOneRingBuffer(buffer);
        }
    }

    static void offer(Shm s, Control c) {
        while (!s.ring.offer(s.message, 0, MESSAGE) && !c.stopMeasurement) Thread.onSpinWait();
    }

    static int drain(Shm s, Taken t) {
        int n = s.ring.drain(s.check, BATCH);
        if (n == 0) Thread.onSpinWait();
        t.messages += n;
        return n;
    }

    static void write(Agrona a, Control c) {
        while (!a.ring.write(1, a.message, 0, MESSAGE) && !c.stopMeasurement) Thread.onSpinWait();
    }

    static int read(Agrona a, Taken t) {
        int n = a.ring.read(a.check, BATCH);
        if (n == 0) Thread.onSpinWait();
        t.messages += n;
        return n;
    }

    // ---- one producer, one consumer ----------------------------------------------------------

    /** Ours, one producer. */
    @Benchmark
    @Group("shmSpsc")
    @GroupThreads(1)
    public void shmSpscOffer(Tasks s, Control c) {
        offer(s, c);
    }

    /** Ours, one consumer. */
    @Benchmark
    @Group("shmSpsc")
    @GroupThreads(1)
    public int shmSpscDrain(Tasks s, Taken t) {
        return drain(s, t);
    }

    /** Agrona one-to-one, the producer. */
    @Benchmark
    @Group("agronaSpsc")
    @GroupThreads(1)
    public void agronaSpscWrite(OneToOne a, Control c) {
        write(a, c);
    }

    /** Agrona one-to-one, the consumer. */
    @Benchmark
    @Group("agronaSpsc")
    @GroupThreads(1)
    public int agronaSpscRead(OneToOne a, Taken t) {
        return read(a, t);
    }

    // ---- two producers, one consumer ---------------------------------------------------------

    /** Ours, two producers. */
    @Benchmark
    @Group("shmMpsc")
    @GroupThreads(2)
    public void shmMpscOffer(ResultsProducer p, Control c) {
        while (!p.ring.offer(p.message, 0, MESSAGE) && !c.stopMeasurement) Thread.onSpinWait();
    }

    /** Ours, one consumer. */
    @Benchmark
    @Group("shmMpsc")
    @GroupThreads(1)
    public int shmMpscDrain(Results s, Taken t) {
        return drain(s, t);
    }

    /** Agrona many-to-one, two producers. */
    @Benchmark
    @Group("agronaMpsc")
    @GroupThreads(2)
    public void agronaMpscWrite(ManyToOne a, Control c) {
        write(a, c);
    }

    /** Agrona many-to-one, the consumer. */
    @Benchmark
    @Group("agronaMpsc")
    @GroupThreads(1)
    public int agronaMpscRead(ManyToOne a, Taken t) {
        return read(a, t);
    }
}
