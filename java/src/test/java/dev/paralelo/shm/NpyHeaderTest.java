package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The .npy header parser: valid headers of each version, each kind of bad header, random corruption. */
class NpyHeaderTest {
    private static byte[] header(int version, String dict, long dataBytes) {
        int prefix = version == 1 ? 10 : 12;
        byte[] text = dict.getBytes(StandardCharsets.UTF_8);
        int len = text.length + 1;
        byte[] out = new byte[prefix + len + (int) dataBytes];
        out[0] = (byte) 0x93;
        System.arraycopy("NUMPY".getBytes(StandardCharsets.US_ASCII), 0, out, 1, 5);
        out[6] = (byte) version;
        out[8] = (byte) len;
        out[9] = (byte) (len >> 8);
        System.arraycopy(text, 0, out, prefix, text.length);
        out[prefix + text.length] = '\n';
        return out;
    }

    private static NpyHeader parse(byte[] b) throws NpyFormatException {
        return NpyHeader.parse(b, b.length, b.length);
    }

    @Test
    void parsesEachVersionAndLayout() throws Exception {
        NpyHeader h = parse(header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", 96));
        assertEquals(DType.F64, h.dtype());
        assertArrayEquals(new long[] {3, 4}, h.shape());
        assertEquals(12, h.count());
        h = parse(header(2, "{'descr': '<i4', 'fortran_order': True, 'shape': (5,)}", 20));
        assertTrue(h.fortranOrder());
        assertEquals(DType.I32, h.dtype());
        h = parse(header(3, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": ()}", 4));
        assertEquals(1, h.count());
        assertEquals(3, h.version());
        byte[] enc = NpyHeader.encode(DType.I64, new long[] {7}, false, 64);
        assertEquals(0, enc.length % 64);
        byte[] file = java.util.Arrays.copyOf(enc, enc.length + 56);
        assertEquals(new NpyHeader(1, DType.I64, false, new long[] {7}, enc.length), parse(file));
    }

    @Test
    void rejectsBadHeadersWithAReason() throws Exception {
        String[][] cases = {
            {"{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", "pickled"},
            {"{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }", "big-endian"},
            {"{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }", "complex"},
            {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,), }", "structured"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", "truncated"},
            {"{'descr': '<f8', 'fortran_order': maybe, 'shape': (3,), }", "True or False"},
            {"{'descr': '<f8', 'shape': (3,), }", "required"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }", "non-negative"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "overflows"},
            {"__import__('os').system('x')", "expected"},
            {"{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }", "unsupported"},
        };
        for (String[] c : cases) {
            NpyFormatException e = assertThrows(NpyFormatException.class, () -> parse(header(1, c[0], 0)), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage() + " should mention " + c[1]);
            assertTrue(!e.getMessage().contains("\n"), "one line");
        }
        // Shapes numpy refuses are refused, not read as some other number: a leading zero (Python 2
        // read 010 as 8), and digits other than ASCII ones (a v3 header is UTF-8).
        NpyFormatException zero = assertThrows(NpyFormatException.class,
                () -> parse(header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (010,), }", 80)));
        assertTrue(zero.getMessage().contains("leading zero"), zero.getMessage());
        NpyFormatException arabic = assertThrows(NpyFormatException.class,
                () -> parse(header(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (\u0661,), }", 8)));
        assertTrue(arabic.getMessage().contains("non-negative integers"), arabic.getMessage());
        assertEquals(0, parse(header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }", 0)).shape()[0], "0 alone is fine");
        byte[] wrongMagic = header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }", 0);
        wrongMagic[1] = 'X';
        assertThrows(NpyFormatException.class, () -> parse(wrongMagic));
        byte[] badVersion = header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }", 0);
        badVersion[6] = 9;
        assertThrows(NpyFormatException.class, () -> parse(badVersion));
        byte[] shortFile = java.util.Arrays.copyOf(header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }", 0), 8);
        assertThrows(NpyFormatException.class, () -> parse(shortFile));
    }

    /**
     * Fuzz: mutated headers (byte changes, truncation, insertions, deletions, spliced tokens) either
     * parse to a header that fits its file or raise NpyFormatException; nothing else escapes.
     * Runs for -Dparalelo.fuzz.seconds (default 3; use 60 or more locally).
     */
    @Test
    void fuzzedHeadersNeverEscapeAsAnotherException() {
        byte[][] seeds = {
            header(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48),
            header(2, "{'descr': '<i4', 'fortran_order': True, 'shape': (5,), }", 20),
            header(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4),
        };
        String[] tokens = {"'descr'", "'<f8'", "'|O'", "(", ")", ",", "True", "99999999999999999", "{", "}", ":", "'shape'", "\\", "\u00e9"};
        long seconds = Long.getLong("paralelo.fuzz.seconds", 3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        SplittableRandom r = new SplittableRandom(2026);
        long iterations = 0, parsed = 0;
        while (System.nanoTime() < end || iterations < 10_000) {
            byte[] b = seeds[r.nextInt(seeds.length)].clone();
            int edits = 1 + r.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = r.nextInt(b.length);
                switch (r.nextInt(5)) {
                    case 0 -> b[at] = (byte) r.nextInt(256);
                    case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
                    case 2 -> { // insert a token
                        byte[] t = tokens[r.nextInt(tokens.length)].getBytes(StandardCharsets.UTF_8);
                        byte[] n = new byte[b.length + t.length];
                        System.arraycopy(b, 0, n, 0, at);
                        System.arraycopy(t, 0, n, at, t.length);
                        System.arraycopy(b, at, n, at + t.length, b.length - at);
                        b = n;
                    }
                    case 3 -> { // delete a run
                        int len = Math.min(b.length - at, 1 + r.nextInt(8));
                        byte[] n = new byte[b.length - len];
                        System.arraycopy(b, 0, n, 0, at);
                        System.arraycopy(b, at + len, n, at, b.length - at - len);
                        b = n;
                    }
                    default -> b[at] ^= (byte) (1 << r.nextInt(8));
                }
                if (b.length == 0) break;
            }
            iterations++;
            long fileSize = r.nextInt(8) == 0 ? b.length + r.nextInt(100) : b.length;
            try {
                NpyHeader h = NpyHeader.parse(b, b.length, fileSize);
                assertTrue(h.dataOffset() + h.dataBytes() <= fileSize, "a parsed header fits its file: " + h);
                parsed++;
            } catch (NpyFormatException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().contains("\n"));
            }
        }
        System.out.printf("npy fuzz: %d inputs in %d s, %d parsed, the rest rejected%n", iterations, seconds, parsed);
        assertTrue(parsed > 0, "some mutations (e.g. in padding) still parse");
    }
}
