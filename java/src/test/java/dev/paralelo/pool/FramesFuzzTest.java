package dev.paralelo.pool;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.ExactSum;
import dev.paralelo.Reduction;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The decoders under random damage for {@code -Dparalelo.fuzzSeconds} seconds (default 60):
 * valid frames with bytes flipped, cut, grown or spliced, and random bytes behind a valid
 * header. Every input must decode or raise ProtocolException, nothing else (no other exception,
 * no hang: each decode runs under a deadline), and a decoded frame must encode back to itself.
 */
class FramesFuzzTest {
    @Test
    void damagedFramesDecodeOrFailCleanly() throws Exception {
        long seconds = Long.getLong("paralelo.fuzzSeconds", 60);
        long seed = Long.getLong("paralelo.fuzzSeed", System.nanoTime());
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> seeds = seeds();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        long end = System.nanoTime() + seconds * 1_000_000_000L, inputs = 0, accepted = 0;
        try {
            while (System.nanoTime() < end) {
                List<byte[]> round = new ArrayList<>(1000);
                for (int i = 0; i < 1000; i++) round.add(damage(seeds.get(r.nextInt(seeds.size())), r));
                Future<Integer> f = ex.submit(() -> {
                    int ok = 0;
                    for (byte[] in : round) ok += decode(in, seed);
                    return ok;
                });
                accepted += f.get(10, TimeUnit.SECONDS); // a hang fails here
                inputs += round.size();
            }
        } finally {
            ex.shutdownNow();
        }
        assertTrue(inputs > 10_000, "only " + inputs + " inputs (seed " + seed + ")");
        assertTrue(accepted > 0 && accepted < inputs, accepted + " of " + inputs + " accepted (seed " + seed + ")");
    }

    /** 1 if the input decoded (and re-encoded to itself), 0 if it was rejected. */
    private static int decode(byte[] in, long seed) {
        try {
            int type = Frames.type(in, in.length);
            byte[] again;
            if (type == WireFormat.TYPE_TASKS) {
                Frames.TaskBatch b = Frames.decodeTasks(in, in.length);
                again = Frames.encodeTasks(b.job(), b.arrays(), b.tasks());
            } else if (type == WireFormat.TYPE_RESULTS) {
                Frames.ResultBatch b = Frames.decodeResults(in, in.length);
                again = Frames.encodeResults(b.job(), b.results());
            } else {
                again = Frames.encodeHello(Frames.decodeHello(in, in.length));
            }
            if (!java.util.Arrays.equals(in, again)) throw new AssertionError("decoded frame re-encodes differently (seed " + seed + "): at byte "
                    + java.util.Arrays.mismatch(in, again) + " of " + in.length + "/" + again.length + ": " + java.util.HexFormat.of().formatHex(in));
            return 1;
        } catch (ProtocolException e) {
            return 0;
        } catch (RuntimeException e) {
            throw new AssertionError("decoder raised " + e + " instead of ProtocolException (seed " + seed + ")", e);
        }
    }

    private static List<byte[]> seeds() {
        List<byte[]> s = new ArrayList<>();
        s.add(FramesTest.sample());
        s.add(Frames.encodeTasks(1, List.of(new ArrayRef("/dev/shm/ñ.npy", DType.I32, 1 << 20)),
                List.of(FramesTest.partial(0, Reduction.MIN, 0, 1 << 20))));
        s.add(Frames.encodeResults(3, List.of(new Result(0, 0, ExactSum.of(1, 2).toBytes()), Result.error(1, 1, "gone"))));
        s.add(Frames.encodeHello(new Hello(1, 2, 3)));
        return s;
    }

    private static byte[] damage(byte[] f, SplittableRandom r) {
        byte[] d = f.clone();
        switch (r.nextInt(6)) {
            case 0 -> { // flip a few bytes
                for (int i = 1 + r.nextInt(4); i > 0; i--) d[r.nextInt(d.length)] = (byte) r.nextInt(256);
            }
            case 1 -> d = java.util.Arrays.copyOf(d, r.nextInt(d.length + 1)); // cut
            case 2 -> d = java.util.Arrays.copyOf(d, d.length + 1 + r.nextInt(64)); // grow with zeros
            case 3 -> { // random body behind a valid header with a matching length field
                byte[] body = new byte[r.nextInt(512)];
                r.nextBytes(body);
                d = java.util.Arrays.copyOf(d, WireFormat.HEADER_LENGTH + body.length);
                System.arraycopy(body, 0, d, WireFormat.HEADER_LENGTH, body.length);
                java.nio.ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(WireFormat.LENGTH_OFFSET, d.length);
            }
            case 4 -> { // a 16-bit or 32-bit field set to an extreme
                int at = r.nextInt(Math.max(1, d.length - 4)) & ~1;
                int v = switch (r.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> -1;
                    case 2 -> Integer.MAX_VALUE;
                    default -> 0xFFFF;
                };
                if (at + 4 <= d.length) java.nio.ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(at, v);
            }
            default -> { // flip bytes but keep the length field right
                d[WireFormat.HEADER_LENGTH + r.nextInt(Math.max(1, d.length - WireFormat.HEADER_LENGTH)) % Math.max(1, d.length)] ^= (byte) (1 << r.nextInt(8));
            }
        }
        return d;
    }
}
