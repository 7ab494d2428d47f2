package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.Python;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code paralelo stats} on files written by real numpy, on bad files, and on a 4 GiB file with a 256 MiB heap. */
class StatsCommandTest {
    @TempDir
    Path dir;

    private record Result(int status, String out, String err) {}

    private static Result stats(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        String[] full = new String[args.length + 1];
        full[0] = "stats";
        System.arraycopy(args, 0, full, 1, args.length);
        int status = Main.run(full, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8).strip());
    }

    /** numpy writes the files and prints its own statistics as JSON (math.fsum for the sum). */
    private static final String WRITE = """
            import json, math, sys
            import numpy as np
            from numpy.lib import format as fmt
            d = sys.argv[1]
            rng = np.random.default_rng(5)
            out = {}
            def save(name, a, version=None, fortran=False):
                path = d + '/' + name
                if fortran:
                    a = np.asfortranarray(a)
                if version is None:
                    np.save(path, a)
                else:
                    with open(path, 'wb') as f:
                        fmt.write_array(f, a, version=version)
                flat = a.ravel(order='K').astype(np.float64)
                s = math.fsum(flat) if a.dtype.kind == 'f' else int(a.astype(np.int64).sum(dtype=object))
                out[name] = {'count': int(a.size), 'sum': s, 'mean': float(np.mean(a, dtype=np.float64)),
                             'min': a.min().item(), 'max': a.max().item(), 'std': float(np.std(a.astype(np.float64)))}
            save('f8.npy', rng.standard_normal(100003))
            save('f4.npy', rng.standard_normal((301, 7)).astype(np.float32))
            save('i8.npy', rng.integers(-2**40, 2**40, size=5000, dtype=np.int64))
            save('i4.npy', rng.integers(-2**31, 2**31 - 1, size=(50, 40), dtype=np.int32))
            save('fortran.npy', rng.standard_normal((64, 33)), fortran=True)
            save('v2.npy', rng.standard_normal(1000), version=(2, 0))
            save('v3.npy', rng.standard_normal(1000).astype(np.float32), version=(3, 0))
            rng.standard_normal(777).tofile(d + '/raw.bin')
            print(json.dumps(out))
            """;

    private static double field(String json, String key) {
        int i = json.indexOf("\"" + key + "\":");
        int s = json.indexOf(':', i) + 1, e = s;
        while (e < json.length() && ",}".indexOf(json.charAt(e)) < 0) e++;
        return Double.parseDouble(json.substring(s, e).strip());
    }

    private static String section(String json, String name) {
        int i = json.indexOf("\"" + name + "\"");
        return json.substring(json.indexOf('{', i), json.indexOf('}', i) + 1);
    }

    @Test
    void matchesNumpyOnFilesNumpyWrote() {
        String expected = Python.run(WRITE, dir.toString());
        for (String name : List.of("f8.npy", "f4.npy", "i8.npy", "i4.npy", "fortran.npy", "v2.npy", "v3.npy")) {
            Result r = stats(dir.resolve(name).toString(), "--json");
            assertEquals(0, r.status, name + ": " + r.err);
            String want = section(expected, name);
            for (String key : List.of("count", "sum", "mean", "min", "max", "std")) {
                double w = field(want, key), g = field(r.out, key);
                double tol = key.equals("std") || key.equals("mean") ? 1e-12 * Math.max(1, Math.abs(w)) : 0;
                assertEquals(w, g, tol, name + " " + key + ": " + r.out + " vs numpy " + want);
            }
            assertTrue(r.out.startsWith("{\"count\": ") && r.out.endsWith("}"), r.out);
        }
        Result raw = stats(dir.resolve("raw.bin").toString(), "--dtype", "f64", "--json", "--threads", "1");
        assertEquals(0, raw.status);
        assertEquals(777, field(raw.out, "count"));
        Result human = stats(dir.resolve("f8.npy").toString());
        assertTrue(human.out.contains("shape (100003,)") && human.out.contains("std"), human.out);
    }

    @Test
    void badFilesExitTwoWithOneLine() throws IOException {
        Python.run("""
                import sys, numpy as np
                d = sys.argv[1]
                np.save(d + '/obj.npy', np.array([{'a': 1}, None], dtype=object), allow_pickle=True)
                np.save(d + '/big.npy', np.arange(10, dtype='>f8'))
                np.save(d + '/cplx.npy', np.arange(10, dtype=np.complex128))
                np.save(d + '/ok.npy', np.arange(1000, dtype=np.float64))
                """, dir.toString());
        byte[] ok = Files.readAllBytes(dir.resolve("ok.npy"));
        Files.write(dir.resolve("truncated.npy"), java.util.Arrays.copyOf(ok, ok.length - 100));
        Files.write(dir.resolve("header-only.npy"), java.util.Arrays.copyOf(ok, 20));
        byte[] magic = ok.clone();
        magic[3] = 'X';
        Files.write(dir.resolve("odd.raw"), java.util.Arrays.copyOf(magic, 1001));
        String[][] cases = {
            {"obj.npy", "pickled"}, {"big.npy", "big-endian"}, {"cplx.npy", "complex"},
            {"truncated.npy", "truncated"}, {"header-only.npy", "truncated"}, {"missing.npy", "no such file"},
            {"odd.raw", "corrupt .npy"},
        };
        for (String[] c : cases) {
            Result r = stats(dir.resolve(c[0]).toString());
            assertEquals(2, r.status, c[0]);
            assertTrue(r.err.contains(c[1]) && !r.err.contains("\n") && r.err.startsWith("paralelo: "), c[0] + ": " + r.err);
        }
        assertEquals(2, stats(dir.resolve("ok.npy").toString(), "--dtype", "f16").status);
        assertEquals(2, stats(dir.resolve("ok.npy").toString(), "--threads", "-1").status);
        assertEquals(2, stats(dir.resolve("ok.npy").toString(), "--threads", "two").status);
        Result byDefault = stats(dir.resolve("ok.npy").toString(), "--threads", "0", "--json");
        assertEquals(0, byDefault.status, "--threads 0 means the default: " + byDefault.err);
        assertEquals(stats(dir.resolve("ok.npy").toString(), "--json").out, byDefault.out);
        assertEquals(2, stats().status);
    }

    @Test
    void aFourGibFileIsMappedNotRead() throws Exception {
        Path big = dir.resolve("big.raw");
        long bytes = 4L << 30;
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(bytes); // sparse: reads as zeros without using the disk
            f.seek(0);
            f.writeLong(Long.reverseBytes(Double.doubleToRawLongBits(3.5)));
            f.seek(bytes - 8);
            f.writeLong(Long.reverseBytes(Double.doubleToRawLongBits(-1.25)));
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.paralelo.cli.Main", "stats", big.toString(), "--dtype", "f64", "--json"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertEquals(String.format(Locale.ROOT, "{\"count\": %d, \"sum\": 2.25, \"mean\": %s, \"min\": -1.25, \"max\": 3.5, \"std\": %s}",
                bytes / 8, Double.toString(2.25 / (bytes / 8)), field(out, "std")), out);
        Files.delete(big);
    }
}
