package dev.paralelo.shm;

import dev.paralelo.DType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The header of a numpy {@code .npy} file (format versions 1.0, 2.0 and 3.0), parsed strictly:
 * see docs/FORMAT.md. Only little-endian f8, f4, i8 and i4 data is accepted; object (pickled),
 * structured, complex and big-endian dtypes are rejected with a message, never executed.
 *
 * @param version major format version (1, 2 or 3)
 * @param dtype element type
 * @param fortranOrder whether the data is in column-major order
 * @param shape dimensions (empty for a scalar)
 * @param dataOffset byte offset of the first element
 */
public record NpyHeader(int version, DType dtype, boolean fortranOrder, long[] shape, long dataOffset) {
    /** The magic string's bytes: 0x93 'NUMPY'. */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Largest header we accept, in bytes (numpy itself limits headers to about 10 kB by default). */
    static final int MAX_HEADER = 1 << 20;

    /**
     * Whether the bytes start with the .npy magic.
     *
     * @param head the file's first bytes
     * @param length how many bytes of head are valid (a short file may have fewer than six)
     * @return true if the first six valid bytes are 0x93 'NUMPY'
     */
    public static boolean hasMagic(byte[] head, int length) {
        if (length < MAGIC.length) return false;
        for (int i = 0; i < MAGIC.length; i++) if (head[i] != MAGIC[i]) return false;
        return true;
    }

    /**
     * Whether the bytes start close to the .npy magic: its first byte 0x93, or at least four of
     * its six bytes in place (one or two corrupted bytes). Such a file is never read as raw data.
     *
     * @param head the file's first bytes
     * @param length how many bytes of head are valid
     * @return true if the bytes look like a .npy magic, exact or damaged
     */
    public static boolean nearMagic(byte[] head, int length) {
        if (length >= 1 && head[0] == MAGIC[0]) return true;
        int same = 0;
        for (int i = 0; i < Math.min(length, MAGIC.length); i++) if (head[i] == MAGIC[i]) same++;
        return same >= 4;
    }

    /**
     * Number of elements the shape describes.
     *
     * @return the product of the dimensions: 1 for a scalar, 0 if any dimension is 0
     */
    public long count() {
        long c = 1;
        for (long d : shape) c *= d;
        return c;
    }

    /**
     * Bytes of data the shape describes.
     *
     * @return count() times the element size; the data starts at {@link #dataOffset()}
     */
    public long dataBytes() {
        return count() * dtype.size();
    }

    /** Bytes needed before the header dictionary can be read: the prefix of the given version. */
    static int prefixLength(int version) {
        return version == 1 ? 10 : 12;
    }

    /**
     * Parses a header from the first bytes of a file of fileSize bytes.
     *
     * @param head the file's first bytes (at least the whole header, or the whole file)
     * @param length how many bytes of head are valid
     * @param fileSize the size of the whole file in bytes, so that the header's shape can be
     *     checked against the data that follows it
     * @return the header, whose shape's data fits in the file
     * @throws NpyFormatException if the bytes are not a .npy header Paralelo reads (bad or damaged
     *     magic, unknown version, truncated or implausible header, unsupported dtype, a shape that
     *     overflows or needs more data than the file has)
     */
    public static NpyHeader parse(byte[] head, int length, long fileSize) throws NpyFormatException {
        if (!hasMagic(head, length)) {
            throw new NpyFormatException(nearMagic(head, length)
                    ? "corrupt .npy file: its first bytes are close to the magic string (byte 0x93, then NUMPY) but differ"
                    : "not a .npy file: the magic string (byte 0x93, then NUMPY) is missing");
        }
        if (length < 10) throw new NpyFormatException("truncated .npy header: the file has only " + fileSize + " bytes");
        int major = head[6] & 0xFF, minor = head[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new NpyFormatException("unsupported .npy format version " + major + "." + minor + " (1.0, 2.0 and 3.0 are read)");
        }
        int prefix = prefixLength(major);
        if (length < prefix) throw new NpyFormatException("truncated .npy header: the file has only " + fileSize + " bytes");
        long headerLen = major == 1
                ? (head[8] & 0xFF) | (head[9] & 0xFF) << 8
                : (head[8] & 0xFFL) | (head[9] & 0xFFL) << 8 | (head[10] & 0xFFL) << 16 | (head[11] & 0xFFL) << 24;
        if (headerLen > MAX_HEADER) throw new NpyFormatException("corrupt .npy header: header length " + headerLen + " is implausible");
        long dataOffset = prefix + headerLen;
        if (dataOffset > fileSize || dataOffset > length) {
            throw new NpyFormatException("truncated .npy header: it declares " + headerLen + " header bytes but the file has "
                    + fileSize + " bytes");
        }
        String text = new String(head, prefix, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Dict d = new Dict(text).parse();
        NpyHeader h = new NpyHeader(major, d.dtype, d.fortran, d.shape, dataOffset);
        long count;
        try {
            count = 1;
            for (long dim : d.shape) count = Math.multiplyExact(count, dim);
            Math.multiplyExact(count, (long) d.dtype.size());
        } catch (ArithmeticException e) {
            throw new NpyFormatException("corrupt .npy header: shape " + Arrays.toString(d.shape) + " overflows 64 bits");
        }
        if (fileSize - dataOffset < h.dataBytes()) {
            throw new NpyFormatException("truncated .npy file: shape " + shapeString(d.shape) + " of " + d.dtype.numpyDescr()
                    + " needs " + h.dataBytes() + " data bytes but only " + (fileSize - dataOffset) + " follow the header");
        }
        return h;
    }

    /**
     * Python-style shape, e.g. {@code (3, 4)} or {@code (5,)}.
     *
     * @param shape the dimensions
     * @return the shape as Python prints a tuple: {@code ()}, {@code (5,)}, {@code (3, 4)}
     */
    public static String shapeString(long[] shape) {
        if (shape.length == 1) return "(" + shape[0] + ",)";
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        return sb.append(')').toString();
    }

    /**
     * Header bytes for a new file: magic, version, length, dictionary padded with spaces and a
     * newline so that the data starts at a multiple of {@code align} bytes.
     *
     * @param dtype the element type, written as its little-endian descr
     * @param shape the dimensions
     * @param fortranOrder whether the data will be in column-major order
     * @param align the alignment of the data offset in bytes, at least 1; Paralelo writes
     *     {@link SharedArray#DATA_ALIGNMENT} (64, as numpy does)
     * @return the header bytes, a multiple of align long: format version 1.0, or 2.0 when the
     *     dictionary does not fit 1.0's 16-bit length
     */
    public static byte[] encode(DType dtype, long[] shape, boolean fortranOrder, int align) {
        String dict = "{'descr': '" + dtype.numpyDescr() + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
                + ", 'shape': " + shapeString(shape) + ", }";
        int version = dict.length() + 11 > 65535 ? 2 : 1;
        int prefix = prefixLength(version);
        int total = prefix + dict.length() + 1;
        int padded = (total + align - 1) / align * align;
        byte[] out = new byte[padded];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[6] = (byte) version;
        out[7] = 0;
        int hl = padded - prefix;
        out[8] = (byte) hl;
        out[9] = (byte) (hl >>> 8);
        if (version == 2) {
            out[10] = (byte) (hl >>> 16);
            out[11] = (byte) (hl >>> 24);
        }
        byte[] text = dict.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(text, 0, out, prefix, text.length);
        Arrays.fill(out, prefix + text.length, padded - 1, (byte) ' ');
        out[padded - 1] = '\n';
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && h.version == version && h.dtype == dtype && h.fortranOrder == fortranOrder
                && Arrays.equals(h.shape, shape) && h.dataOffset == dataOffset;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + dtype.hashCode();
    }

    @Override
    public String toString() {
        return "NpyHeader[v" + version + ", " + dtype.numpyDescr() + ", shape " + shapeString(shape)
                + (fortranOrder ? ", Fortran order" : "") + ", data at " + dataOffset + "]";
    }

    /** A strict parser for the Python dict literal numpy writes. Nothing is evaluated. */
    private static final class Dict {
        private final String s;
        private int i;
        DType dtype;
        Boolean fortranBox;
        boolean fortran;
        long[] shape;

        Dict(String s) {
            this.s = s;
        }

        private NpyFormatException bad(String what) {
            String shown = s.strip();
            if (shown.length() > 80) shown = shown.substring(0, 80) + "...";
            return new NpyFormatException("corrupt .npy header: " + what + " in " + printable(shown));
        }

        private static String printable(String t) {
            StringBuilder sb = new StringBuilder();
            for (char c : t.toCharArray()) sb.append(c >= 32 && c < 127 ? c : '?');
            return sb.toString();
        }

        private void ws() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n' || s.charAt(i) == '\r')) i++;
        }

        private boolean eat(char c) {
            ws();
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) throws NpyFormatException {
            if (!eat(c)) throw bad("expected '" + c + "' at offset " + i);
        }

        private String string() throws NpyFormatException {
            ws();
            if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) throw bad("expected a string at offset " + i);
            char q = s.charAt(i++);
            int start = i;
            while (i < s.length() && s.charAt(i) != q) {
                if (s.charAt(i) == '\\') throw bad("escapes are not used by numpy");
                i++;
            }
            if (i >= s.length()) throw bad("unterminated string");
            return s.substring(start, i++);
        }

        Dict parse() throws NpyFormatException {
            expect('{');
            while (!eat('}')) {
                String key = string();
                expect(':');
                switch (key) {
                    case "descr" -> {
                        if (dtype != null) throw bad("duplicate key 'descr'");
                        ws();
                        if (i < s.length() && s.charAt(i) == '[') {
                            throw new NpyFormatException("unsupported .npy dtype: structured records are not supported");
                        }
                        dtype = descr(string());
                    }
                    case "fortran_order" -> {
                        if (fortranBox != null) throw bad("duplicate key 'fortran_order'");
                        ws();
                        if (s.startsWith("True", i)) {
                            fortranBox = true;
                            i += 4;
                        } else if (s.startsWith("False", i)) {
                            fortranBox = false;
                            i += 5;
                        } else {
                            throw bad("fortran_order must be True or False");
                        }
                    }
                    case "shape" -> {
                        if (shape != null) throw bad("duplicate key 'shape'");
                        shape = tuple();
                    }
                    default -> throw bad("unexpected key '" + key + "'");
                }
                if (!eat(',')) {
                    expect('}');
                    break;
                }
            }
            ws();
            if (i != s.length()) throw bad("text after the dictionary");
            if (dtype == null || fortranBox == null || shape == null) {
                throw bad("the keys 'descr', 'fortran_order' and 'shape' are all required");
            }
            fortran = fortranBox;
            return this;
        }

        private long[] tuple() throws NpyFormatException {
            expect('(');
            List<Long> dims = new ArrayList<>();
            while (!eat(')')) {
                ws();
                int start = i;
                while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++; // ASCII digits, as Python's literals
                if (start == i) throw bad("shape must be a tuple of non-negative integers");
                if (i - start > 18) throw bad("shape dimension too large");
                if (s.charAt(start) == '0' && i - start > 1) {
                    // Python 3 refuses such a literal; Python 2 read it as octal (010 = 8)
                    throw bad("shape dimension " + s.substring(start, i) + " has a leading zero (numpy refuses it)");
                }
                dims.add(Long.parseLong(s.substring(start, i)));
                ws();
                if (i < s.length() && s.charAt(i) == 'L') i++; // Python 2 long suffix
                if (!eat(',')) {
                    expect(')');
                    break;
                }
            }
            long[] out = new long[dims.size()];
            for (int k = 0; k < out.length; k++) out[k] = dims.get(k);
            return out;
        }

        private static DType descr(String d) throws NpyFormatException {
            if (d.length() < 2) throw new NpyFormatException("unsupported .npy dtype '" + d + "'");
            char order = d.charAt(0);
            String kind = d.substring(order == '<' || order == '>' || order == '|' || order == '=' ? 1 : 0);
            if (kind.startsWith("O")) {
                throw new NpyFormatException("unsupported .npy dtype '" + d + "': object arrays hold pickled Python objects, "
                        + "which Paralelo never loads");
            }
            if (kind.startsWith("c")) throw new NpyFormatException("unsupported .npy dtype '" + d + "': complex numbers are not supported");
            DType t = switch (kind) {
                case "f8" -> DType.F64;
                case "f4" -> DType.F32;
                case "i8" -> DType.I64;
                case "i4" -> DType.I32;
                default -> throw new NpyFormatException("unsupported .npy dtype '" + d + "' (f8, f4, i8 and i4 are supported)");
            };
            if (order == '>') throw new NpyFormatException("unsupported .npy dtype '" + d + "': big-endian data is not supported");
            if (order == '|') throw new NpyFormatException("unsupported .npy dtype '" + d + "': no byte order for a multi-byte type");
            return t;
        }
    }
}
