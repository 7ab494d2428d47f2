package dev.paralelo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report runs end to end on a tiny plan: every implementation appears (numpy and the C
 * probe included), every JSON object has exactly the documented keys, and the chart is a PNG;
 * everything lands in the folder {@code --out} names.
 * Its numbers are not checked: timing belongs in benchmarks, not tests.
 */
class ReportSmokeTest {
    @TempDir
    Path dir;

    @Test
    void writesJsonMarkdownAndChart() throws Exception {
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            Report.main(new String[] {"--smoke", "--out", dir.toString()});
        } finally {
            System.setOut(stdout);
        }
        String report = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        // Every table's rows (ratio rows included) line up with its header, and nothing prints NaN.
        int tables = 0;
        for (String block : report.split("\n\n")) {
            List<String> rows = block.lines().toList();
            if (rows.isEmpty() || !rows.get(0).contains("(GB/s)")) continue;
            tables++;
            for (String row : rows) assertEquals(rows.get(0).length(), row.length(), "aligned with its header:\n" + block);
        }
        assertTrue(tables >= 5, "the report printed its tables:\n" + report);
        assertTrue(!report.contains("NaN") && !report.contains("\u001b["), "no NaN cells, no colour codes:\n" + report);
        assertTrue(report.contains("wrote " + dir.toAbsolutePath()), "names the output folder");
        Path json = dir.resolve("latest.json");
        List<String> lines = Files.readAllLines(json);
        assertEquals("[", lines.get(0));
        assertEquals("]", lines.get(lines.size() - 1));
        Pattern obj = Pattern.compile("\\{\"kernel\": \"([a-z0-9-]+)\", \"dtype\": \"(f64|f32|i32|i64)\", \"n\": (\\d+), \"impl\": \"([a-z0-9-]+)\", "
                + "\"threads\": (\\d+), \"gbps\": ([0-9.E]+|null), \"ns_per_call\": ([0-9.E]+|null)\\},?");
        Set<String> impls = new HashSet<>(), kernels = new HashSet<>();
        for (String line : lines.subList(1, lines.size() - 1)) {
            Matcher m = obj.matcher(line.strip());
            assertTrue(m.matches(), "JSON object with exactly the documented keys: " + line);
            impls.add(m.group(4));
            kernels.add(m.group(1));
            assertTrue(Double.parseDouble(m.group(6)) > 0, line);
        }
        for (String impl : List.of("paralelo", "paralelo-fast", "paralelo-scalar", "paralelo-vector", "paralelo-vector-fast", "java-loop", "java-segment-loop", "java-stream",
                "java-parallel-stream", "java-vector", "numpy", "c-probe", "c-twosum")) {
            assertTrue(impls.contains(impl), "missing " + impl + " in " + impls);
        }
        for (String k : List.of("sum", "mean", "variance", "dot", "min", "add", "slice-sum-8", "slice-sum-64", "slice-sum-1024",
                "ragged-sum", "sum-concurrent")) {
            assertTrue(kernels.contains(k), "missing kernel " + k);
        }
        for (String chart : List.of("sum-f64.png", "sum-f64-scaling.png")) {
            byte[] png = Files.readAllBytes(dir.resolve(chart));
            assertTrue(png.length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG chart: " + chart);
        }
        assertTrue(Files.readString(dir.resolve("latest.md")).contains("| implementation |"));
    }

    /** A missed target never prints as its goal: enough decimals to show the miss. */
    @Test
    void aMissedTargetNeverReadsAsTheGoal() {
        assertEquals("0.996", Report.shown(0.996, 1.0));
        assertEquals("0.7995", Report.shown(0.79951, 0.8));
        assertEquals("1.00", Report.shown(1.004, 1.0));
        assertEquals("0.98", Report.shown(0.98, 1.0));
        assertEquals("2.35", Report.shown(2.3456, 2.0));
        assertEquals("-", Report.shown(Double.NaN, 1.0));
        assertEquals("-", Report.shown(Double.NEGATIVE_INFINITY, 1.0));
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        Report.target(new java.io.PrintStream(b, true, java.nio.charset.StandardCharsets.UTF_8), "x", 0.9999, 1.0);
        assertTrue(b.toString(java.nio.charset.StandardCharsets.UTF_8).contains("0.9999  (target >= 1.0) MISSED"), b.toString());
    }

    /**
     * numpy's dot and the library's fast dot measured in turn through one numpy process that
     * answers case by case: a row of each, at the size asked, on the threads each ran.
     */
    @Test
    void numpyAndTheFastDotMeasuredInTurn() throws Exception {
        List<Report.Result> rows = withShortTimings(() -> Report.numpyBeside(1 << 12, new Report.Progress(1)));
        assertEquals(2, rows.size(), "numpy must run here (python3 with numpy): " + rows);
        assertEquals(List.of(Report.NUMPY_BESIDE, Report.FAST_BESIDE_NUMPY), rows.stream().map(Report.Result::impl).toList());
        assertEquals(List.of(1, Report.CORES), rows.stream().map(Report.Result::threads).toList());
        for (Report.Result r : rows) {
            assertTrue(r.kernel().equals("dot") && r.n() == 1 << 12 && r.gbps() > 0 && r.nsPerCall() > 0, r.toString());
        }
    }

    /** What run returns, measured with the smoke run's short warm-ups and samples. */
    private static <T> T withShortTimings(java.util.concurrent.Callable<T> run) throws Exception {
        long warm = Harness.warmNanos, sample = Harness.sampleNanos;
        Harness.warmNanos = 10_000_000L;
        Harness.sampleNanos = 1_000_000L;
        try {
            return run.call();
        } finally {
            Harness.warmNanos = warm;
            Harness.sampleNanos = sample;
        }
    }

    /**
     * A Vector API sum from memory is measured beside the native sum it is compared with: a
     * native-beside row at the same size and thread count, and the target that compares them.
     */
    @Test
    void vectorSumsFromMemoryMeasuredBesideTheNativeOnes() throws Exception {
        List<Report.Spec> plan = List.of(new Report.Spec("sum", dev.paralelo.DType.F64, 1 << 24, Cases.PVECTOR_FAST, 1),
                new Report.Spec("sum", dev.paralelo.DType.F64, 1 << 24, Cases.PVECTOR, Report.CORES));
        List<Report.Result> rows = withShortTimings(() -> Report.runQuick(plan, true, false));
        for (Report.Spec s : plan) {
            String twin = Report.besideName(s.impl());
            assertTrue(rows.stream().anyMatch(r -> r.impl().equals(twin) && r.threads() == s.threads() && r.n() == s.n() && r.gbps() > 0),
                    twin + " " + s.threads() + "t in " + rows);
        }
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        Report.printTargets(new java.io.PrintStream(b, true, java.nio.charset.StandardCharsets.UTF_8), rows);
        String t = b.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(t.contains("paralelo-vector-fast / paralelo-fast, in turn (worst at 2^24, 1t)")
                && t.contains("paralelo-vector / paralelo, in turn (worst at 2^24, " + Report.CORES + "t)"), t);
    }

    /**
     * The many-core run writes the scaling rows and the targets that depend on the core count;
     * {@code --replot} prints the same tables and draws the same charts from its JSON alone,
     * with the measured machine's core count and name.
     */
    @Test
    void coresRunAndItsReplot(@TempDir Path again) throws Exception {
        String run = capture("--cores", "--smoke", "--out", dir.toString());
        assertTrue(run.contains("sum f64 scaling") && run.contains("parallel call cost"), run);
        assertTrue(run.contains("all threads; the many-core target"), run);
        String replot = capture("--replot", dir.resolve("latest.json").toString(), "--machine", "the test's machine",
                "--out", again.toString());
        // The tables agree (cells printed from the JSON's rounded values may differ in the last digit).
        String table = run.substring(run.indexOf("\nsum f64  (GB/s)"), run.indexOf("\ntargets"));
        String replotted = replot.substring(replot.indexOf("\nsum f64  (GB/s)"), replot.indexOf("\ntargets"));
        assertEquals(table.lines().map(l -> l.replaceAll("[0-9.]+", "#").replaceAll("\\s+", " ")).toList(),
                replotted.lines().map(l -> l.replaceAll("[0-9.]+", "#").replaceAll("\\s+", " ")).toList(), "the same rows and cells");
        for (String chart : new String[] {"sum-f64.png", "sum-f64-scaling.png"}) {
            assertTrue(Files.size(again.resolve(chart)) > 10_000, chart);
        }
        assertTrue(replot.contains("nothing new") && !Files.exists(again.resolve("latest.json")), "a replot writes no JSON");
    }

    private static String capture(String... args) throws Exception {
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            Report.main(args);
        } finally {
            System.setOut(stdout);
        }
        return printed.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
