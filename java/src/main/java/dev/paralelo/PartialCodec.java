package dev.paralelo;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_CENTERED;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_EXTREMUM;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_INTEGER;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_MOMENTS;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_SUM;

import dev.paralelo.kernel.ExactAccumulator;
import dev.paralelo.kernel.States;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The byte encoding of partial states (docs/FORMAT.md, "Partial states"): a 16-byte header,
 * little-endian, then the state's words.
 *
 * <pre>
 *  offset  size  field
 *       0     4  magic   0x54534C50, the bytes "PLST"
 *       4     2  version 2 (1 had 72-word accumulators, unit 2^-1074)
 *       6     2  kind    PL_STATE_* (1 sum, 2 integer, 3 extremum, 4 centered, 5 moments)
 *       8     4  words   the number of 8-byte words that follow: the kind's struct size / 8
 *      12     4  flags   0, or 1 (PACKED)
 *      16  8*words       the C struct's int64 words, little-endian
 * </pre>
 *
 * <p>A packed state (flags 1) has, after the same header, a bitmap of ceil(words / 64) words
 * (bit i of the bitmap says word i differs from word i - 1, word -1 counting as 0) and then
 * those words in order; a word whose bit is clear repeats the one before it. An accumulator's
 * digits are runs of 0 (or, below a negative value's top, of 2^32 - 1), so a sum of ordinary
 * data takes about 100 bytes where the plain encoding takes 1136.
 */
final class PartialCodec {
    private PartialCodec() {}

    static final int MAGIC = 0x54534C50;
    static final int VERSION = 2;
    static final int HEADER = 16;
    /** The flags bit of the packed encoding. */
    static final int PACKED = 1;

    /** The packed encoding of a state's words (see the class comment). */
    static byte[] packed(int kind, long[] words) {
        int maps = (words.length + 63) >>> 6, changes = 0;
        long[] bitmap = new long[maps];
        for (int i = 0; i < words.length; i++) {
            if (words[i] != (i == 0 ? 0 : words[i - 1])) {
                bitmap[i >>> 6] |= 1L << i;
                changes++;
            }
        }
        ByteBuffer o = ByteBuffer.allocate(HEADER + 8 * (maps + changes)).order(ByteOrder.LITTLE_ENDIAN);
        o.putInt(MAGIC).putShort((short) VERSION).putShort((short) kind).putInt(words.length).putInt(PACKED);
        for (long m : bitmap) o.putLong(m);
        for (int i = 0; i < words.length; i++) if ((bitmap[i >>> 6] & 1L << i) != 0) o.putLong(words[i]);
        return o.array();
    }

    /** Writes the header and words at out's position and advances it; nothing when it has no room. */
    static void write(ByteBuffer out, int kind, long[] words) {
        int length = HEADER + 8 * words.length;
        if (out.remaining() < length) throw new java.nio.BufferOverflowException();
        ByteBuffer o = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        o.putInt(MAGIC).putShort((short) VERSION).putShort((short) kind).putInt(words.length).putInt(0);
        for (long w : words) o.putLong(w);
        out.position(out.position() + length);
    }

    private static PartialFormatException bad(String what) {
        return new PartialFormatException("partial state: " + what);
    }

    /** Decodes one state at in's position; advances only on success. */
    static Partial read(ByteBuffer in) {
        ByteBuffer b = java.util.Objects.requireNonNull(in, "bytes").duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < HEADER) throw bad("truncated: " + b.remaining() + " bytes, the header alone takes " + HEADER);
        int magic = b.getInt();
        if (magic != MAGIC) throw bad(String.format("magic is 0x%08X, expected 0x%08X (\"PLST\")", magic, MAGIC));
        int version = Short.toUnsignedInt(b.getShort());
        if (version != VERSION) throw bad("version " + version + " is not supported (this library reads version " + VERSION + ")");
        int kind = Short.toUnsignedInt(b.getShort());
        int expected;
        try {
            expected = States.words(kind);
        } catch (IllegalArgumentException e) {
            throw bad("kind " + kind + " is unknown (known: 1 sum, 2 integer, 3 extremum, 4 centered, 5 moments)");
        }
        long words = Integer.toUnsignedLong(b.getInt());
        if (words != expected) throw bad("words is " + words + ", but a state of kind " + kind + " has " + expected);
        int flags = b.getInt();
        if (flags != 0 && flags != PACKED) throw bad(String.format("flags is 0x%08X, expected 0 or 1 (packed)", flags));
        long[] w = new long[expected];
        int length;
        if (flags == 0) {
            if (b.remaining() < 8L * words) {
                throw bad("truncated: kind " + kind + " needs " + 8 * words + " bytes after the header, " + b.remaining() + " remain");
            }
            for (int i = 0; i < expected; i++) w[i] = b.getLong();
            length = HEADER + 8 * expected;
        } else {
            int maps = (expected + 63) >>> 6;
            if (b.remaining() < 8L * maps) {
                throw bad("truncated: a packed state of kind " + kind + " needs a " + 8 * maps + "-byte bitmap, " + b.remaining() + " bytes remain");
            }
            long[] bitmap = new long[maps];
            int nonzero = 0;
            for (int m = 0; m < maps; m++) {
                bitmap[m] = b.getLong();
                nonzero += Long.bitCount(bitmap[m]);
            }
            int spare = maps * 64 - expected; // bits past the last word must be clear
            if (spare > 0 && bitmap[maps - 1] >>> (64 - spare) != 0) {
                throw bad("the packed bitmap marks words past the " + expected + " a state of kind " + kind + " has");
            }
            if (b.remaining() < 8L * nonzero) {
                throw bad("truncated: the packed bitmap marks " + nonzero + " words, " + b.remaining() + " bytes remain");
            }
            for (int i = 0; i < expected; i++) {
                long before = i == 0 ? 0 : w[i - 1];
                if ((bitmap[i >>> 6] & 1L << i) == 0) {
                    w[i] = before;
                    continue;
                }
                w[i] = b.getLong();
                if (w[i] == before) throw bad("packed word " + i + " repeats the word before it, which the bitmap says it does not");
            }
            length = HEADER + 8 * (maps + nonzero);
        }
        Partial p = switch (kind) {
            case PL_STATE_SUM -> ExactSum.decode(w);
            case PL_STATE_INTEGER -> IntegerSum.decode(w);
            case PL_STATE_EXTREMUM -> Extremum.decode(w);
            case PL_STATE_CENTERED -> CenteredSums.decode(w);
            default -> IntegerMoments.decode(w);
        };
        in.position(in.position() + length);
        return p;
    }

    /** The public value of a state the kernels made (trusted words, owned by the result). */
    static Partial of(int kind, long[] words) {
        return switch (kind) {
            case PL_STATE_SUM -> new ExactSum(words);
            case PL_STATE_INTEGER -> new IntegerSum(words);
            case PL_STATE_EXTREMUM -> new Extremum(words);
            case PL_STATE_CENTERED -> new CenteredSums(words);
            case PL_STATE_MOMENTS -> new IntegerMoments(words);
            default -> throw new IllegalArgumentException("unknown partial state kind " + kind);
        };
    }

    /** A field's check: throws naming the field when it fails. */
    static void require(boolean ok, String field, Object value, String rule) {
        if (!ok) throw bad(field + " is " + value + ", but " + rule);
    }

    /** Checks an exact accumulator's words at w[at..at+140) are canonical (normalised, bounded). */
    static void checkAccumulator(long[] w, int at, String name) {
        int top = ExactAccumulator.DIGITS - 1;
        for (int k = 0; k < top; k++) {
            long d = w[at + k];
            // the message is built only for a bad digit: this loop runs for every state decoded
            if (d < 0 || d > 0xFFFF_FFFFL) require(false, name + ".digit[" + k + "]", d, "a normalised digit is in [0, 2^32)");
        }
        if (Math.abs(w[at + top]) > 1L << 24) require(false, name + ".digit[" + top + "]", w[at + top], "its magnitude is at most 2^24");
        if (w[at + ExactAccumulator.ADDS] != 0) {
            require(false, name + ".adds", w[at + ExactAccumulator.ADDS], "a normalised state has 0 pending additions");
        }
        for (int k = 0; k < 3; k++) {
            long c = w[at + ExactAccumulator.NAN + k];
            if (c < 0 || c > MAX_COUNT) require(false, name + "." + COUNTS[k], c, "a count is in [0, 2^62]");
        }
    }

    /** No array holds more elements. */
    static final long MAX_COUNT = 1L << 62;

    /** The names of an accumulator's non-finite counts, in word order. */
    private static final String[] COUNTS = {"nan", "pos_inf", "neg_inf"};

    /** Checks a count of elements is in [0, 2^62]. */
    static void checkCount(long count) {
        require(count >= 0 && count <= MAX_COUNT, "count", count, "a count is in [0, 2^62]");
    }

    /** Whether the accumulator at w[at..] holds exactly zero and no special values. */
    static boolean zeroAccumulator(long[] w, int at) {
        for (int k = 0; k < ExactAccumulator.WORDS; k++) if (w[at + k] != 0) return false;
        return true;
    }

    /** Checks a 256-bit integer's words at w[at..at+4) are below 2^bits in magnitude. */
    static void checkWide(long[] w, int at, int bits, String name) {
        java.math.BigInteger v = dev.paralelo.kernel.WideInteger.toBigInteger(w, at);
        require(v.abs().bitLength() <= bits, name, v, "no reduction of 2^62 int64 terms reaches 2^" + bits);
    }
}
