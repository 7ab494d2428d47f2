#!/usr/bin/env python3
"""Writes java/.../internal/ffi/ParaleloLib.java from native/include/paralelo.h, and
ParaleloMpiLib.java from native/include/paralelo_mpi.h (the MPI shim, loaded apart).

jextract cannot be installed here, so this writes bindings in its style:
- every `#define PL_*` constant with a literal value (numbers and strings) becomes a
  `public static final` field, as jextract's --include-constant does, so that Java's codes
  (element types, operations, modes, status codes, geometry) come from the header alone;
- every PL_API function gets a lazy holder class with a static final FunctionDescriptor and
  MethodHandle, a wrapper that calls invokeExact with exact casts, and a Javadoc line giving
  the C prototype. RuntimeException and Error from the handle (a closed or wrong-thread
  segment) are rethrown as they are; any other Throwable becomes an AssertionError;
- functions on CRITICAL below also get a `...Critical` wrapper through Linker.Option.critical,
  which may take heap segments and holds off the GC: short calls only. Nothing that waits
  (the barrier) may ever be on that list.

Usage: bindgen.py            rewrite the Java files
       bindgen.py --stdout   print them
       bindgen.py --check    exit 1 if a committed file differs (BindingsTest runs this)
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
FFI = ROOT / "java/src/main/java/dev/paralelo/internal/ffi"


class Target:
    """One header and the Java class bound to it."""

    def __init__(self, header, cls, macro, loader, library, critical, never_critical):
        self.header = ROOT / "native/include" / header
        self.out = FFI / (cls + ".java")
        self.cls, self.macro, self.loader, self.library = cls, macro, loader, library
        self.critical, self.never_critical = critical, never_critical


# Short kernels that may run as critical downcalls (NativeKernels uses them for small inputs).
CRITICAL = {
    "pl_reduce", "pl_variance", "pl_dot", "pl_partial", "pl_partial_dot", "pl_binary",
    "pl_scale", "pl_axpy", "pl_fill", "pl_copy", "pl_slice_reduce", "pl_reduceat", "pl_variance_center",
}
NEVER_CRITICAL = {"pl_barrier_wait"}

TARGETS = [
    Target("paralelo.h", "ParaleloLib", "PL_API", "LibraryLoader.lookup()", "libparalelo", CRITICAL, NEVER_CRITICAL),
    # Every MPI call may wait for other ranks: none may hold off the GC.
    Target("paralelo_mpi.h", "ParaleloMpiLib", "PL_MPI_API", "LibraryLoader.mpiLookup()", "libparalelo_mpi", set(),
           set()),
]

CTYPE = {"int": ("int", "JAVA_INT"), "int64_t": ("long", "JAVA_LONG"),
         "double": ("double", "JAVA_DOUBLE")}


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", lambda m: " " * len(m.group(0)), text, flags=re.S)


def constants(text):
    """(name, java type, java literal, comment) for each object-like PL_ macro with a literal."""
    out = []
    for line in text.splitlines():
        m = re.match(r"#define\s+(PL_\w+)\s+(.*?)\s*(?:/\*\s*(.*?)\s*\*/)?\s*$", line)
        if not m:
            continue
        name, value, comment = m.groups()
        value = value.strip()
        if value.startswith('"'):
            out.append((name, "String", value, comment))
            continue
        num = re.fullmatch(r"\(?\s*(-?)\s*(0x[0-9A-Fa-f]+|\d+)(LL|L|ULL)?\s*\)?", value)
        if not num:
            continue  # not a literal (PL_API and the like)
        sign, digits, suffix = num.groups()
        v = int(digits, 0) * (-1 if sign else 1)
        if suffix or not -2**31 <= v < 2**31:
            out.append((name, "long", f"{sign}{digits}L", comment))
        else:
            out.append((name, "int", f"{sign}{digits}", comment))
    return out


def functions(text, macro):
    code = strip_comments(text)
    for m in re.finditer(macro + r"\s+(\w+)\s+(\w+)\s*\(([^)]*)\)\s*;", code):
        ret, name, params = m.groups()
        proto = " ".join(f"{ret} {name}({params})".split())
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
        yield ret, name, args, proto


def java_name(c):
    parts = c.split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def wrapper(w, jr, jn, params, handle, call, name):
    w(f"    public static {jr} {jn}({params}) {{")
    w("        try {")
    w(f"            return ({jr}) {handle}.invokeExact({call});")
    w("        } catch (RuntimeException | Error e) {")
    w("            throw e;")
    w("        } catch (Throwable t) {")
    w(f"            throw new AssertionError(\"{name}\", t);")
    w("        }")
    w("    }\n")


def generate(t):
    text = t.header.read_text()
    fns = list(functions(text, t.macro))
    names = {f[1] for f in fns}
    missing = t.critical - names
    if missing:
        sys.exit(f"bindgen: CRITICAL names functions the header lacks: {sorted(missing)}")
    if t.critical & t.never_critical:
        sys.exit("bindgen: a waiting function is on the critical list")
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
    w("import java.util.Map;")
    w("import java.util.Set;\n")
    w("/**")
    w(f" * Bindings for {{@code native/include/{t.header.name}}}, written by {{@code native/tools/bindgen.py}}")
    w(" * in jextract's style: do not edit by hand. The header's {@code #define} constants are")
    w(" * compile-time constants here, so using one never loads the library. Each function has a")
    w(" * holder class, loaded on first use, with its descriptor and handle; the functions the")
    w(" * generator lists as short kernels also have a {@code critical} handle, which may take heap")
    w(" * segments and must only run short calls (it holds off the GC).")
    w(" */")
    w('@SuppressWarnings("restricted")')
    w(f"public final class {t.cls} {{")
    w(f"    private {t.cls}() {{}}\n")
    for name, jt, lit, comment in constants(text):
        doc = comment or name
        doc = doc.replace("*/", "* /").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        w(f"    /** {{@code {name}}}: {doc}. */" if comment else f"    /** {{@code {name}}}. */")
        w(f"    public static final {jt} {name} = {lit};\n")
    w("    private static final Linker LINKER = Linker.nativeLinker();")
    w("    private static final Linker.Option CRITICAL = Linker.Option.critical(true);\n")
    w("    private static MethodHandle handle(String name, FunctionDescriptor fd, boolean critical) {")
    w(f"        MemorySegment symbol = {t.loader}.find(name)")
    w(f"                .orElseThrow(() -> new UnsatisfiedLinkError(\"{t.library} has no symbol \" + name));")
    w("        return critical ? LINKER.downcallHandle(symbol, fd, CRITICAL) : LINKER.downcallHandle(symbol, fd);")
    w("    }\n")
    for ret, name, args, proto in fns:
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
        w(f"    /** {{@code {proto}}} */")
        wrapper(w, jr, jn, params, f"{holder}.HANDLE", call, name)
        if name in t.critical:
            w(f"    private static final class {name}$critical {{")
            w(f"        static final MethodHandle HANDLE = handle(\"{name}\", {holder}.DESC, true);")
            w("    }\n")
            w(f"    /** {{@code {proto}}}, as a critical downcall: short calls only; heap segments allowed. */")
            wrapper(w, jr, jn + "Critical", params, f"{name}$critical.HANDLE", call, name)
    w("    /** Every bound function's descriptor by C name, in header order (for tests). */")
    w("    public static Map<String, FunctionDescriptor> descriptors() {")
    w("        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();")
    for ret, name, args, proto in fns:
        layouts = ", ".join([CTYPE[ret][1]] + [a[1] for a in args])
        w(f"        m.put(\"{name}\", FunctionDescriptor.of({layouts}));")
    w("        return m;")
    w("    }\n")
    w("    /** The functions that have a critical wrapper (for tests). */")
    w("    public static Set<String> criticalFunctions() {")
    w("        return Set.of(" + ", ".join(f'"{n}"' for n in sorted(t.critical)) + ");")
    w("    }")
    w("}")
    return "\n".join(out) + "\n"


def main():
    stale = []
    for t in TARGETS:
        text = generate(t)
        if "--stdout" in sys.argv:
            sys.stdout.write(text)
        elif "--check" in sys.argv:
            if not t.out.exists() or t.out.read_text() != text:
                stale.append(str(t.out.relative_to(ROOT)))
        else:
            t.out.write_text(text)
    if stale:
        sys.exit(f"{', '.join(stale)} out of date: run python3 native/tools/bindgen.py")


if __name__ == "__main__":
    main()
