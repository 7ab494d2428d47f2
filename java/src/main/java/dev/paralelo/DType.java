package dev.paralelo;

import dev.paralelo.internal.ffi.ParaleloLib;

/** Element types of Paralelo arrays, with their size and numpy type code (little-endian). */
public enum DType {
    /** 64-bit IEEE float, numpy {@code <f8}. */
    F64(ParaleloLib.PL_F64, 8, "<f8"),
    /** 32-bit IEEE float, numpy {@code <f4}. */
    F32(ParaleloLib.PL_F32, 4, "<f4"),
    /** 64-bit signed integer, numpy {@code <i8}. */
    I64(ParaleloLib.PL_I64, 8, "<i8"),
    /** 32-bit signed integer, numpy {@code <i4}. */
    I32(ParaleloLib.PL_I32, 4, "<i4");

    private final int code;
    private final int size;
    private final String numpy;

    DType(int code, int size, String numpy) {
        this.code = code;
        this.size = size;
        this.numpy = numpy;
    }

    /**
     * The {@code PL_*} element-type code of paralelo.h.
     *
     * @return the code, 0 to 3, that the C library and the wire format use for this type
     */
    public int code() {
        return code;
    }

    /**
     * The type with this {@code PL_*} code; IllegalArgumentException if there is none.
     *
     * @param code a {@code PL_*} element-type code, as returned by {@link #code()}
     * @return the type with that code
     * @throws IllegalArgumentException if no type has that code
     */
    public static DType ofCode(int code) {
        for (DType t : values()) if (t.code == code) return t;
        throw new IllegalArgumentException("no element type has code " + code);
    }

    /**
     * Bytes per element.
     *
     * @return the element size in bytes: 8 or 4
     */
    public int size() {
        return size;
    }

    /**
     * numpy's descr string, e.g. {@code <f8}.
     *
     * @return the little-endian descr that a .npy header of this type holds
     */
    public String numpyDescr() {
        return numpy;
    }

    /**
     * Whether this is a floating-point type.
     *
     * @return true for {@link #F64} and {@link #F32}, false for the integer types
     */
    public boolean isFloat() {
        return this == F64 || this == F32;
    }

    /**
     * The type a name denotes: Paralelo's labels ({@code f64}, {@code f32}, {@code i64},
     * {@code i32}) or numpy's names for the same types: type names ({@code float64},
     * {@code float32}, {@code int64}, {@code int32}, {@code double}, {@code single},
     * {@code float}, {@code int}, {@code long}), type codes ({@code f8}, {@code f4}, {@code i8},
     * {@code i4}, {@code d}, {@code f}, {@code q}, {@code i}, {@code l}) and descrs with a
     * little-endian or native byte order ({@code <f8}, {@code =f8}, {@code |i4}). Case does not
     * matter for the labels and type names; numpy's one-letter codes are case-sensitive. As in
     * numpy, {@code float} is float64 and {@code int} and {@code long} are int64 (on Linux).
     *
     * @param name the name
     * @return the type it names
     * @throws IllegalArgumentException if it names no type Paralelo has (big-endian descrs,
     *     complex, unsigned and 16-bit types included), listing what is accepted
     */
    public static DType parse(String name) {
        java.util.Objects.requireNonNull(name, "name");
        String n = name.strip();
        for (DType t : values()) if (t.name().equalsIgnoreCase(n)) return t;
        String lower = n.toLowerCase(java.util.Locale.ROOT);
        switch (lower) {
            case "float64", "double", "float", "float_" -> { return F64; }
            case "float32", "single" -> { return F32; }
            case "int64", "long", "int", "int_", "intp", "longlong" -> { return I64; }
            case "int32", "intc" -> { return I32; }
            default -> { }
        }
        String code = n.length() > 1 && (n.charAt(0) == '<' || n.charAt(0) == '=' || n.charAt(0) == '|') ? n.substring(1) : n;
        switch (code) {
            case "f8", "d" -> { return F64; }
            case "f4", "f" -> { return F32; }
            case "i8", "q", "l" -> { return I64; }
            case "i4", "i" -> { return I32; }
            default -> { }
        }
        String hint = n.startsWith(">") ? " (big-endian data is not supported: convert it with numpy's astype('<"
                + n.substring(1) + "'))" : "";
        throw new IllegalArgumentException("unknown element type '" + name + "'" + hint
                + "; use f64, f32, i64 or i32 (numpy's float64, float32, int64, int32, f8, <f8, double ... also work)");
    }

    /**
     * Lower-case name as used on the command line and in JSON.
     *
     * @return the name in lower case: {@code f64}, {@code f32}, {@code i64} or {@code i32}
     */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
