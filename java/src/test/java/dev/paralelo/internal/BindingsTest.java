package dev.paralelo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.internal.ffi.ParaleloLib;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every function in paralelo.h has a binding with the same signature, and nothing else is bound. */
class BindingsTest {
    private static MemoryLayout layout(String ctype) {
        if (ctype.contains("*")) return ValueLayout.ADDRESS;
        return switch (ctype.replace("const", "").strip()) {
            case "int" -> ValueLayout.JAVA_INT;
            case "int64_t" -> ValueLayout.JAVA_LONG;
            case "double" -> ValueLayout.JAVA_DOUBLE;
            default -> throw new AssertionError("unexpected C type in the ABI: " + ctype);
        };
    }

    @Test
    void headerAndBindingsAgree() throws IOException {
        Map<String, FunctionDescriptor> fromHeader = parse("paralelo.h", "PL_API");
        assertTrue(fromHeader.size() >= 20, "parsed " + fromHeader.size() + " functions");
        Map<String, FunctionDescriptor> bound = ParaleloLib.descriptors();
        assertEquals(fromHeader.keySet(), bound.keySet(), "bound functions");
        for (String f : fromHeader.keySet()) assertEquals(fromHeader.get(f), bound.get(f), f);
    }

    @Test
    void mpiHeaderAndBindingsAgree() throws IOException {
        Map<String, FunctionDescriptor> fromHeader = parse("paralelo_mpi.h", "PL_MPI_API");
        assertTrue(fromHeader.size() >= 15, "parsed " + fromHeader.size() + " functions");
        Map<String, FunctionDescriptor> bound = dev.paralelo.internal.ffi.ParaleloMpiLib.descriptors();
        assertEquals(fromHeader.keySet(), bound.keySet(), "bound functions");
        for (String f : fromHeader.keySet()) assertEquals(fromHeader.get(f), bound.get(f), f);
        assertTrue(dev.paralelo.internal.ffi.ParaleloMpiLib.criticalFunctions().isEmpty(), "MPI calls wait: none is critical");
    }

    private static Map<String, FunctionDescriptor> parse(String headerName, String macro) throws IOException {
        Path header = Path.of(System.getProperty("user.dir")).resolveSibling("native/include/" + headerName);
        String text = Files.readString(header).replaceAll("(?s)/\\*.*?\\*/", "");
        Matcher m = Pattern.compile(macro + "\\s+(\\w+)\\s+(\\w+)\\s*\\(([^)]*)\\)\\s*;").matcher(text);
        Map<String, FunctionDescriptor> fromHeader = new LinkedHashMap<>();
        while (m.find()) {
            List<MemoryLayout> args = new ArrayList<>();
            String params = m.group(3).strip();
            if (!params.equals("void")) {
                for (String p : params.split(",")) {
                    p = p.strip().replaceAll("\\s+", " ");
                    String name = p.replaceAll(".*?(\\w+)$", "$1");
                    args.add(layout(p.substring(0, p.length() - name.length())));
                }
            }
            fromHeader.put(m.group(2), FunctionDescriptor.of(layout(m.group(1)), args.toArray(MemoryLayout[]::new)));
        }
        return fromHeader;
    }

    @Test
    void generatedBindingsAreUpToDate() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        Process p = new ProcessBuilder(dev.paralelo.Python.executable(), "native/tools/bindgen.py", "--check")
                .directory(root.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "ParaleloLib.java differs from what bindgen.py makes of paralelo.h: " + out);
    }

    @Test
    void onlyShortKernelsHaveCriticalWrappersAndConstantsComeFromTheHeader() throws Exception {
        assertTrue(ParaleloLib.criticalFunctions().contains("pl_reduce"));
        assertTrue(!ParaleloLib.criticalFunctions().contains("pl_barrier_wait"), "a spin-wait must never hold off the GC");
        for (java.lang.reflect.Method m : ParaleloLib.class.getMethods()) {
            if (m.getName().endsWith("Critical")) {
                String c = "pl" + m.getName().substring(2, m.getName().length() - "Critical".length())
                        .replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
                assertTrue(ParaleloLib.criticalFunctions().contains(c), m.getName() + " is not on the critical list");
            }
        }
        Path header = Path.of(System.getProperty("user.dir")).resolveSibling("native/include/paralelo.h");
        Matcher d = Pattern.compile("#define (PL_[A-Z0-9_]+) \\(?(-?\\d+)\\)?\\s").matcher(Files.readString(header));
        int seen = 0;
        while (d.find()) {
            assertEquals(Long.parseLong(d.group(2)), ((Number) ParaleloLib.class.getField(d.group(1)).get(null)).longValue(), d.group(1));
            seen++;
        }
        assertTrue(seen > 30, "constants checked: " + seen);
    }
}
