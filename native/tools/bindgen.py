#!/usr/bin/env python3
"""Writes java/.../internal/ffi/ParaleloLib.java from native/include/paralelo.h.

jextract cannot be installed here, so this writes bindings in its style: one lazy holder
class per C function with a static final FunctionDescriptor and MethodHandle, a normal and a
critical (heap-access) handle, invokeExact with exact casts, Throwable -> AssertionError.
Run it after changing the header; BindingsTest fails when the two disagree.
"""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEADER = ROOT / "native/include/paralelo.h"
OUT = ROOT / "java/src/main/java/dev/paralelo/internal/ffi/ParaleloLib.java"

CTYPE = {"int": ("int", "JAVA_INT"), "int64_t": ("long", "JAVA_LONG"),
         "double": ("double", "JAVA_DOUBLE")}


def parse(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for m in re.finditer(r"PL_API\s+(\w+)\s+(\w+)\s*\(([^)]*)\)\s*;", text):
        ret, name, params = m.groups()
        args = []
        if params.strip() != "void":
            for p in params.split(","):
                p = " ".join(p.split())
                pname = re.findall(r"(\w+)$", p)[0]
                ctype = p[: -len(pname)].strip()
                if "*" in ctype:
                    args.append(("MemorySegment", "ADDRESS", pname))
                else:
                    jt, lay = CTYPE[ctype.replace("const ", "")]
                    args.append((jt, lay, pname))
        yield ret, name, args


def java_name(c):
    parts = c.split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def main():
    fns = list(parse(HEADER.read_text()))
    out = []
    w = out.append
    w("package dev.paralelo.internal.ffi;\n")
    w("import static java.lang.foreign.ValueLayout.ADDRESS;")
    w("import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;")
    w("import static java.lang.foreign.ValueLayout.JAVA_INT;")
    w("import static java.lang.foreign.ValueLayout.JAVA_LONG;\n")
    w("import java.lang.foreign.FunctionDescriptor;")
    w("import java.lang.foreign.Linker;")
    w("import java.lang.foreign.MemorySegment;")
    w("import java.lang.invoke.MethodHandle;")
    w("import java.util.LinkedHashMap;")
    w("import java.util.Map;\n")
    w("/**")
    w(" * Bindings for {@code native/include/paralelo.h}, written by {@code native/tools/bindgen.py}")
    w(" * in jextract's style: do not edit by hand. Each function has a holder class, loaded on")
    w(" * first use, with its descriptor and two handles: the normal one, and a {@code critical}")
    w(" * one that may take heap segments and must only run short calls (it holds off the GC).")
    w(" */")
    w('@SuppressWarnings("restricted")')
    w("public final class ParaleloLib {")
    w("    private ParaleloLib() {}\n")
    w("    private static final Linker LINKER = Linker.nativeLinker();")
    w("    private static final Linker.Option CRITICAL = Linker.Option.critical(true);\n")
    w("    private static MethodHandle handle(String name, FunctionDescriptor fd, boolean critical) {")
    w("        MemorySegment symbol = LibraryLoader.lookup().find(name)")
    w("                .orElseThrow(() -> new UnsatisfiedLinkError(\"libparalelo has no symbol \" + name));")
    w("        return critical ? LINKER.downcallHandle(symbol, fd, CRITICAL) : LINKER.downcallHandle(symbol, fd);")
    w("    }\n")
    for ret, name, args in fns:
        jr, lr = CTYPE[ret]
        layouts = ", ".join([lr] + [a[1] for a in args])
        jn = java_name(name)
        holder = name + "$h"
        params = ", ".join(f"{a[0]} {a[2]}" for a in args)
        call = ", ".join(a[2] for a in args)
        w(f"    private static final class {holder} {{")
        w(f"        static final FunctionDescriptor DESC = FunctionDescriptor.of({layouts});")
        w(f"        static final MethodHandle HANDLE = handle(\"{name}\", DESC, false);")
        w("    }\n")
        w(f"    private static final class {name}$critical {{")
        w(f"        static final MethodHandle HANDLE = handle(\"{name}\", {holder}.DESC, true);")
        w("    }\n")
        w(f"    /** {{@code {ret} {name}(...)}}. */")
        w(f"    public static {jr} {jn}({params}) {{")
        w("        try {")
        w(f"            return ({jr}) {holder}.HANDLE.invokeExact({call});")
        w("        } catch (Throwable t) {")
        w(f"            throw new AssertionError(\"{name}\", t);")
        w("        }")
        w("    }\n")
        w(f"    /** {{@code {name}}} through a critical downcall: short calls only; heap segments allowed. */")
        w(f"    public static {jr} {jn}Critical({params}) {{")
        w("        try {")
        w(f"            return ({jr}) {name}$critical.HANDLE.invokeExact({call});")
        w("        } catch (Throwable t) {")
        w(f"            throw new AssertionError(\"{name}\", t);")
        w("        }")
        w("    }\n")
    w("    /** Every bound function's descriptor by C name, in header order (for tests). */")
    w("    public static Map<String, FunctionDescriptor> descriptors() {")
    w("        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();")
    for ret, name, args in fns:
        layouts = ", ".join([CTYPE[ret][1]] + [a[1] for a in args])
        w(f"        m.put(\"{name}\", FunctionDescriptor.of({layouts}));")
    w("        return m;")
    w("    }")
    w("}")
    OUT.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
