package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The partial states as values: encodings, strict decoding, merge rules and finishes. */
class PartialTest {
    private static final Kernels K = Kernels.using(Backends.nativeKernels());

    /** One state of each kind, from real data. */
    private static List<Partial> samples() {
        F64Array f = Data.f64(Data.illConditioned(10_000, 1));
        I64Array i = I64Array.of(5, -7, Long.MAX_VALUE, 3);
        return List.of(K.partial(Reduction.SUM, f), K.partial(Reduction.SUM, i), K.partial(Reduction.MIN, f),
                K.partial(Reduction.MAX, i), K.partialAround(f, BlockPartition.whole(f.length()), K.varianceCenter(f)),
                K.partial(Reduction.VARIANCE, i));
    }

    private static void rejects(String fragment, Executable call) {
        Throwable t = assertThrows(PartialFormatException.class, call);
        assertTrue(t.getMessage().contains(fragment), "message '" + t.getMessage() + "' should mention '" + fragment + "'");
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void everyStateRoundTripsThroughItsEncoding() {
        for (Partial p : samples()) {
            byte[] b = p.toBytes();
            assertEquals(p.encodedLength(), b.length);
            assertEquals(16 + 8 * le(b).getInt(8), b.length, "header words field");
            assertEquals(0x54534C50, le(b).getInt(0), "magic");
            assertEquals(2, le(b).getShort(4), "version");
            assertEquals(p.kind(), le(b).getShort(6), "kind");
            Partial q = Partial.fromBytes(b);
            assertEquals(p, q);
            assertEquals(p.hashCode(), q.hashCode());
            assertArrayEquals(b, q.toBytes(), "the encoding is canonical");
        }
    }

    @Test
    void everyStateRoundTripsThroughItsPackedEncoding() {
        for (Partial p : samples()) {
            byte[] packed = p.toPackedBytes(), plain = p.toBytes();
            assertEquals(1, le(packed).getInt(12), "flags: packed");
            assertEquals(le(plain).getLong(0), le(packed).getLong(0), "magic, version, kind as the plain encoding");
            assertEquals(le(plain).getInt(8), le(packed).getInt(8), "words: the kind's size, as the plain encoding");
            // at most one bitmap word longer (a small state without repeats); the accumulators shrink
            assertTrue(packed.length <= plain.length + 8, packed.length + " bytes packed, " + plain.length + " plain");
            if (p instanceof ExactSum || p instanceof CenteredSums) {
                assertTrue(packed.length < plain.length / 4, packed.length + " bytes packed, " + plain.length + " plain");
            }
            Partial q = Partial.fromBytes(packed);
            assertEquals(p, q);
            assertArrayEquals(plain, q.toBytes());
            assertArrayEquals(packed, q.toPackedBytes(), "the packed encoding is canonical too");
        }
        assertTrue(ExactSum.of(1.5, 2.25e-300).toPackedBytes().length <= 128, "a sum packs to 128 bytes or less, of 1136");
        assertTrue(ExactSum.of(-1.5, -2.25e-300).toPackedBytes().length <= 128, "and so does a negative one (runs of 2^32 - 1)");
        // plain and packed states one after another in one buffer
        List<Partial> all = samples();
        ByteBuffer buf = ByteBuffer.allocate(all.stream().mapToInt(p -> p.encodedLength() + p.toPackedBytes().length).sum());
        for (Partial p : all) buf.put(p.toPackedBytes()).put(p.toBytes());
        buf.flip();
        for (Partial p : all) {
            assertEquals(p, Partial.read(buf));
            assertEquals(p, Partial.read(buf));
        }
        assertEquals(0, buf.remaining());
    }

    @Test
    void aPackedStateIsCheckedLikeAPlainOne() {
        byte[] good = ExactSum.of(1.5, 2.25).toPackedBytes();
        int words = 3, after = 16 + 8 * words; // sum: 140 words, a 3-word bitmap
        rejects("truncated: a packed state of kind 1 needs a 24-byte bitmap", () -> Partial.fromBytes(java.util.Arrays.copyOf(good, 30)));
        rejects("truncated: the packed bitmap marks", () -> Partial.fromBytes(java.util.Arrays.copyOf(good, good.length - 1)));
        rejects("bytes follow", () -> Partial.fromBytes(java.util.Arrays.copyOf(good, good.length + 8)));
        byte[] past = good.clone();
        le(past).putLong(16 + 16, le(past).getLong(16 + 16) | 1L << 12); // word 140 of 140
        rejects("marks words past the 140", () -> Partial.fromBytes(past));
        byte[] zero = good.clone();
        le(zero).putLong(after, 0);
        rejects("repeats the word before it", () -> Partial.fromBytes(zero));
        // the words it carries are checked as the plain encoding's: a digit out of range
        byte[] digit = good.clone();
        le(digit).putLong(after, -1);
        rejects("is -1", () -> Partial.fromBytes(digit));
    }

    @Test
    void mergingManySumsInOnePassGivesThePairwiseBits() {
        SplittableRandom r = new SplittableRandom(11);
        for (int round = 0; round < 300; round++) {
            int n = 1 + r.nextInt(400);
            List<ExactSum> parts = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                double[] t = new double[1 + r.nextInt(4)];
                for (int j = 0; j < t.length; j++) {
                    t[j] = switch (r.nextInt(40)) {
                        case 0 -> Double.NaN;
                        case 1 -> r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                        case 2, 3, 4, 5, 6, 7, 8, 9 -> (r.nextBoolean() ? -1 : 1) * Math.scalb(1 + r.nextDouble(), r.nextInt(-1074, 1024));
                        default -> r.nextDouble(-1, 1) * (round % 2 == 0 ? 1 : -1);
                    };
                }
                parts.add(ExactSum.of(t));
            }
            ExactSum pairwise = parts.get(0);
            for (int i = 1; i < n; i++) pairwise = pairwise.merge(parts.get(i));
            ExactSum once = Partial.mergeAll(parts);
            assertEquals(pairwise, once, "round " + round);
            assertArrayEquals(pairwise.toBytes(), once.toBytes());
            assertEquals(Double.doubleToRawLongBits(pairwise.round()), Double.doubleToRawLongBits(once.round()));
        }
        List<Partial> mixed = List.of(ExactSum.of(1), IntegerSum.of(1));
        assertThrows(IllegalArgumentException.class, () -> Partial.mergeAll(mixed));
    }

    @Test
    void statesReadOneAfterAnotherFromABuffer() {
        List<Partial> all = samples();
        ByteBuffer buf = ByteBuffer.allocate(all.stream().mapToInt(Partial::encodedLength).sum() + 3).order(ByteOrder.BIG_ENDIAN);
        for (Partial p : all) p.writeTo(buf);
        buf.put(new byte[] {1, 2, 3}).flip();
        for (Partial p : all) assertEquals(p, Partial.read(buf));
        assertEquals(3, buf.remaining());
        int before = buf.position();
        rejects("truncated: 3 bytes", () -> Partial.read(buf));
        assertEquals(before, buf.position(), "nothing is consumed on error");
    }

    @Test
    void decodingNamesTheBadField() {
        byte[] good = ExactSum.of(1.5, 2.25).toBytes();
        rejects("truncated: 10 bytes", () -> Partial.fromBytes(java.util.Arrays.copyOf(good, 10)));
        rejects("truncated: kind 1 needs 1120 bytes", () -> Partial.fromBytes(java.util.Arrays.copyOf(good, 100)));
        rejects("bytes follow", () -> Partial.fromBytes(java.util.Arrays.copyOf(good, good.length + 8)));
        byte[] b = good.clone();
        le(b).putInt(0, 0x12345678);
        rejects("magic is 0x12345678", () -> Partial.fromBytes(b));
        byte[] v = good.clone();
        le(v).putShort(4, (short) 3);
        rejects("version 3 is not supported", () -> Partial.fromBytes(v));
        byte[] v1 = good.clone();
        le(v1).putShort(4, (short) 1);
        rejects("version 1 is not supported", () -> Partial.fromBytes(v1)); // 72-word accumulators, unit 2^-1074
        byte[] k = good.clone();
        le(k).putShort(6, (short) 9);
        rejects("kind 9 is unknown", () -> Partial.fromBytes(k));
        byte[] w = good.clone();
        le(w).putInt(8, 72);
        rejects("words is 72, but a state of kind 1 has 140", () -> Partial.fromBytes(w));
        byte[] huge = good.clone();
        le(huge).putInt(8, -1);
        rejects("words is 4294967295", () -> Partial.fromBytes(huge));
        byte[] fl = good.clone();
        le(fl).putInt(12, 2);
        rejects("flags is 0x00000002", () -> Partial.fromBytes(fl));
        byte[] digit = good.clone();
        le(digit).putLong(16 + 8 * 5, -1);
        rejects("sum.digit[5] is -1", () -> Partial.fromBytes(digit));
        byte[] adds = good.clone();
        le(adds).putLong(16 + 8 * 136, 3);
        rejects("sum.adds is 3", () -> Partial.fromBytes(adds));
        byte[] nan = good.clone();
        le(nan).putLong(16 + 8 * 137, -2);
        rejects("sum.nan is -2", () -> Partial.fromBytes(nan));

        byte[] e = K.partial(Reduction.MIN, F64Array.of(3, 1, 2)).toBytes();
        byte[] op = e.clone();
        le(op).putLong(16 + 8, 4);
        rejects("op is 4", () -> Partial.fromBytes(op));
        byte[] dt = e.clone();
        le(dt).putLong(16, 7);
        rejects("dtype is 7", () -> Partial.fromBytes(dt));
        byte[] nanValue = e.clone();
        le(nanValue).putLong(16 + 8 * 5, Double.doubleToRawLongBits(Double.NaN));
        rejects("NaN needs the nan flag", () -> Partial.fromBytes(nanValue));

        byte[] wide = IntegerSum.of(1).toBytes();
        le(wide).putLong(16 + 8 * 3, 1L << 40);
        rejects("value is", () -> Partial.fromBytes(wide));
    }

    @Test
    void fuzzedBytesNeverDecodeToAnythingButAStateOrAFormatError() {
        SplittableRandom r = new SplittableRandom(7);
        List<byte[]> seeds = java.util.stream.Stream.concat(samples().stream().map(Partial::toBytes),
                samples().stream().map(Partial::toPackedBytes)).toList();
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b = seeds.get(r.nextInt(seeds.size())).clone();
            int flips = 1 + r.nextInt(3);
            for (int f = 0; f < flips; f++) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            if (r.nextInt(10) == 0) b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
            try {
                Partial p = Partial.fromBytes(b);
                decoded++;
                assertArrayEquals(b, le(b).getInt(12) == 1 ? p.toPackedBytes() : p.toBytes(),
                        "whatever decodes is canonical and re-encodes to the same bytes");
                try {
                    p.merge(p); // and merges without overflow trouble, or says why not
                } catch (IllegalArgumentException tooMany) {
                    assertTrue(tooMany.getMessage().contains("2^62"), tooMany.getMessage());
                }
            } catch (PartialFormatException expected) {
                // the one permitted failure
            }
        }
        assertTrue(decoded > 0 && decoded < 20_000, "some flips land in value bits and decode: " + decoded);
    }

    @Test
    void statesMergeOnlyWithTheirOwnKind() {
        Partial sum = ExactSum.of(1), min = K.partial(Reduction.MIN, F64Array.of(1, 2));
        Partial max = K.partial(Reduction.MAX, F64Array.of(1, 2)), imin = K.partial(Reduction.MIN, I64Array.of(1, 2));
        assertThrows(IllegalArgumentException.class, () -> sum.merge(min));
        assertThrows(IllegalArgumentException.class, () -> min.merge(max), "a min with a max");
        assertThrows(IllegalArgumentException.class, () -> min.merge(imin), "f64 with i64");
        F64Array x = F64Array.of(1, 2, 3);
        CenteredSums a = K.partialAround(x, BlockPartition.whole(3), 2.0), b = K.partialAround(x, BlockPartition.whole(3), 2.5);
        Throwable t = assertThrows(IllegalArgumentException.class, () -> a.merge(b));
        assertTrue(t.getMessage().contains("different means"), t.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Partial.mergeAll(List.of()));
    }

    @Test
    void identitiesAndFinishes() {
        F64Array x = F64Array.of(4, -0.0, 0.0, -2, -2, 9, 9);
        Extremum mn = (Extremum) K.partial(Reduction.MIN, x), mx = (Extremum) K.partial(Reduction.MAX, x);
        assertEquals(-2, mn.doubleValue());
        assertEquals(3, mn.index(), "the first of equal minima");
        assertEquals(5, mx.index(), "the first of equal maxima");
        Extremum empty = (Extremum) K.partial(Reduction.MIN, x, new BlockRange(7, 7));
        assertTrue(empty.isEmpty());
        assertEquals(mn, mn.merge(empty), "an empty range is the identity");
        assertThrows(IllegalStateException.class, empty::doubleValue);
        assertThrows(IllegalStateException.class, mn::longValue, "a float extreme is a double");
        assertEquals(Reduction.MIN, mn.operation());
        assertEquals(DType.F64, mn.elementType());
        assertEquals(ExactSum.of(1, 2, 3), ExactSum.of(3).merge(ExactSum.of(1, 2)));
        assertEquals(6.0, ExactSum.of(1, 2, 3).round());
        assertEquals(0x1p-1074, ExactSum.of(1e308, 0x1p-1074, -1e308).round(), "exact, not rounded term by term");
        assertEquals(ExactSum.zero(), ExactSum.of(5, -5), "canonical: equal values, equal states");
        assertEquals(new java.math.BigInteger("18446744073709551614"), IntegerSum.of(Long.MAX_VALUE, Long.MAX_VALUE).toBigInteger());
        assertThrows(ArithmeticException.class, IntegerSum.of(Long.MAX_VALUE, 1)::longValueExact);
        assertEquals(Long.MAX_VALUE - 4, IntegerSum.of(Long.MAX_VALUE, 1, -5).longValueExact());
        assertNotEquals(ExactSum.of(1), IntegerSum.of(1));
    }

    private static byte[] encode(int kind, long... words) {
        ByteBuffer b = ByteBuffer.allocate(16 + 8 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x54534C50).putShort((short) 2).putShort((short) kind).putInt(words.length).putInt(0);
        for (long w : words) b.putLong(w);
        return b.array();
    }

    @Test
    void decodedStatesCannotWrapTheirCountsOrContradictThemselves() {
        long[] acc = new long[140];
        acc[137] = Long.MAX_VALUE; // a NaN count no data can reach
        rejects("sum.nan is 9223372036854775807", () -> Partial.fromBytes(encode(1, acc)));
        acc[137] = 1L << 62;
        ExactSum nans = (ExactSum) Partial.fromBytes(encode(1, acc));
        acc[137] = 2;
        ExactSum two = (ExactSum) Partial.fromBytes(encode(1, acc));
        assertTrue(Double.isNaN(nans.merge(nans).merge(two).round()), "NaN counts saturate, never wrap to zero");
        assertArrayEquals(nans.merge(nans).toBytes(), Partial.fromBytes(nans.merge(nans).toBytes()).toBytes());

        rejects("count is 9223372036854775807", () -> Partial.fromBytes(encode(3, 0, 2, Long.MAX_VALUE, 0, 5,
                Double.doubleToRawLongBits(-7.0))));
        Extremum big = (Extremum) Partial.fromBytes(encode(3, 0, 2, 1L << 62, 0, 5, Double.doubleToRawLongBits(-7.0)));
        Throwable t = assertThrows(IllegalArgumentException.class, () -> big.merge(big));
        assertTrue(t.getMessage().contains("2^62"), t.getMessage());

        rejects("count * sumsq >= sum^2", () -> Partial.fromBytes(encode(5, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0)));
        rejects("|sum| <= count * 2^63", () -> Partial.fromBytes(encode(5, 0, 0, 5, 0, 0, 0, 25, 0, 0, 0)));
        long[] centered = new long[282];
        centered[0] = Double.doubleToRawLongBits(1.0);
        centered[1] = 2;
        centered[2 + 140 + 135] = -1; // a negative sum of squares
        rejects("sq is negative", () -> Partial.fromBytes(encode(4, centered)));
        centered[2 + 140 + 135] = 0;
        centered[0] = 0x7FF0000000000001L;
        rejects("a NaN centre is the canonical NaN", () -> Partial.fromBytes(encode(4, centered)));
        rejects("an f32 extreme is a float", () -> Partial.fromBytes(encode(3, 1, 2, 1, 0, 0, Double.doubleToRawLongBits(0.1))));
    }

    @Test
    void mergedStatesStayInTheRangeTheirDecoderAccepts() {
        // An integer sum of 2^200 - 1, the most a state may hold (no reduction of 2^62 products
        // of longs reaches 2^200): merged with itself it passes that, and merge refuses rather
        // than let repeated merges wrap around the 256 bits.
        IntegerSum max = (IntegerSum) Partial.fromBytes(encode(2, -1, -1, -1, (1L << 8) - 1));
        Throwable t = assertThrows(IllegalArgumentException.class, () -> max.merge(max));
        assertTrue(t.getMessage().contains("did not come from a reduction") && t.getMessage().contains("2^200"), t.getMessage());
        IntegerSum below = (IntegerSum) Partial.fromBytes(encode(2, 0, 0, 0, 1L << 6)); // 2^198
        assertEquals(java.math.BigInteger.ONE.shiftLeft(199), below.merge(below).toBigInteger());
        assertThrows(IllegalArgumentException.class, () -> below.merge(below).merge(below.merge(below)), "2^200 is past the range");

        // An exact sum whose top digit is at its bound, 2^24: merged with itself it would encode
        // to bytes its own decoder refuses; merge, and the one-pass merge of many, refuse it.
        long[] acc = new long[140];
        acc[135] = 1L << 24;
        ExactSum edge = (ExactSum) Partial.fromBytes(encode(1, acc));
        t = assertThrows(IllegalArgumentException.class, () -> edge.merge(edge));
        assertTrue(t.getMessage().contains("sum.digit[135]"), t.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Partial.mergeAll(List.of(edge, edge, edge)));
        acc[135] = 1L << 23;
        ExactSum half = (ExactSum) Partial.fromBytes(encode(1, acc));
        ExactSum sum = half.merge(half);
        assertArrayEquals(sum.toBytes(), Partial.fromBytes(sum.toBytes()).toBytes(), "at the bound: kept, and it decodes");
        assertArrayEquals(sum.toBytes(), Partial.mergeAll(List.of(half, half)).toBytes());

        // A variance state's sums are bounded the same way.
        long[] centered = new long[282];
        centered[0] = Double.doubleToRawLongBits(1.0);
        centered[1] = 2;
        centered[2 + 140 + 135] = 1L << 24;
        CenteredSums c = (CenteredSums) Partial.fromBytes(encode(4, centered));
        t = assertThrows(IllegalArgumentException.class, () -> c.merge(c));
        assertTrue(t.getMessage().contains("sq.digit[135]"), t.getMessage());
    }

    @Test
    void writingIntoABufferWithoutRoomWritesNothing() {
        ByteBuffer small = ByteBuffer.allocate(20);
        assertThrows(java.nio.BufferOverflowException.class, () -> ExactSum.of(1).writeTo(small));
        assertEquals(0, small.position());
        assertEquals(0, small.get(0), "nothing written");
        assertThrows(NullPointerException.class, () -> Partial.fromBytes(null));
    }

    @Test
    void partitionsOfHugeArraysDoNotOverflow() {
        long max = BlockPartition.MAX_ELEMENTS;
        assertEquals(max, BlockPartition.of(max, 1).get(0).end());
        assertEquals(max, BlockPartition.of(max, 3).get(2).end());
        BlockPartition big = BlockPartition.byLength(max, 1L << 61);
        assertEquals(2, big.size());
        assertEquals(max, big.get(1).end());
        assertEquals(2, BlockPartition.byLength((1L << 61) + 1, 1L << 61).size(), "the last element is not dropped");
        assertThrows(IllegalArgumentException.class, () -> BlockPartition.of(Long.MAX_VALUE, 1), "no array is that long");
    }

    /** A mean over no elements is NaN whatever the sum holds, as pl_acc_mean gives it (it was the sum over 0: infinity). */
    @Test
    void aMeanOfNoElementsIsNaNWhateverTheSum() {
        for (double v : new double[] {1.0, -3.5, Double.MAX_VALUE}) {
            ExactSum s = (ExactSum) K.partial(Reduction.SUM, F64Array.of(v, v));
            assertTrue(Double.isNaN(s.mean(0)), v + ": " + s.mean(0));
            assertEquals(v, s.mean(2), "and over its count, the mean");
        }
    }
}
