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

    /** The {@code PL_*} element-type code of paralelo.h. */
    public int code() {
        return code;
    }

    /** The type with this {@code PL_*} code; IllegalArgumentException if there is none. */
    public static DType ofCode(int code) {
        for (DType t : values()) if (t.code == code) return t;
        throw new IllegalArgumentException("no element type has code " + code);
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** numpy's descr string, e.g. {@code <f8}. */
    public String numpyDescr() {
        return numpy;
    }

    /** Whether this is a floating-point type. */
    public boolean isFloat() {
        return this == F64 || this == F32;
    }

    /** The type named {@code f64}, {@code f32}, {@code i64} or {@code i32} (case-insensitive). */
    public static DType parse(String name) {
        for (DType t : values()) if (t.name().equalsIgnoreCase(name)) return t;
        throw new IllegalArgumentException("unknown element type '" + name + "'; use f64, f32, i64 or i32");
    }

    /** Lower-case name as used on the command line and in JSON. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
