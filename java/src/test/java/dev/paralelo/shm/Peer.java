package dev.paralelo.shm;

import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A second JVM for the cross-process tests (started with ProcessBuilder by Peers). */
public final class Peer {
    private Peer() {}

    public static void main(String[] args) throws Exception {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        Path path = Path.of(args[1]);
        switch (args[0]) {
            case "write" -> {
                try (SharedArray a = SharedArray.open(path, true)) {
                    Kernels.defaults().fill(a.array(), Double.parseDouble(args[2]));
                }
            }
            case "watch" -> { // map first, then report what the parent wrote afterwards
                try (SharedArray a = SharedArray.open(path, false)) {
                    System.out.println("ready");
                    System.out.flush();
                    stdin.readLine();
                    System.out.println(Kernels.defaults().sum(a.array(F64Array.class)));
                }
            }
            case "count" -> {
                try (SharedArray a = SharedArray.open(path, true)) {
                    var cell = a.array(dev.paralelo.I64Array.class);
                    for (int i = 0; i < Integer.parseInt(args[2]); i++) cell.getAndAdd(0, 1);
                }
            }
            case "barrier" -> {
                try (SharedArray a = SharedArray.open(path, true)) {
                    var seg = a.array().segment();
                    SharedBarrier b = SharedBarrier.attach(seg);
                    var slots = dev.paralelo.I64Array.wrap(seg.asSlice(BarrierLayout.LENGTH));
                    int slot = Integer.parseInt(args[2]), rounds = Integer.parseInt(args[3]);
                    for (int r = 1; r <= rounds; r++) {
                        slots.setRelease(slot, r);
                        b.await(Duration.ofSeconds(20));
                        for (int s = 0; s < b.parties(); s++) {
                            if (slots.getAcquire(s) != r) throw new IllegalStateException("round " + r + " slot " + s + " = " + slots.getAcquire(s));
                        }
                        b.await(Duration.ofSeconds(20));
                    }
                    System.out.println("ok " + rounds + " rounds");
                }
            }
            case "pss" -> { // map and touch every page; measure only once told that all peers have
                try (SharedArray a = SharedArray.open(path, false)) {
                    Kernels.defaults().withThreads(1).sum(a.array(F64Array.class));
                    System.out.println("mapped");
                    System.out.flush();
                    stdin.readLine();
                    System.out.println("pss " + mappingPss(path) + " " + rollupPss());
                    System.out.flush();
                    stdin.readLine();
                }
            }
            case "create-and-hang" -> { // create PATH with a fill that stops halfway and waits to be killed
                SharedArray.create(path, dev.paralelo.DType.F64, new long[] {Long.parseLong(args[2])}, false, x -> {
                    F64Array a = (F64Array) x;
                    for (long i = 0; i < a.length() / 2; i++) a.set(i, 1.0);
                    System.out.println("filling");
                    System.out.flush();
                    try {
                        stdin.readLine(); // the test kills this process here
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                System.out.println("published");
            }
            case "create-two-then-fill" -> { // DIR N: two arrays of N doubles, created first, then filled natively
                Path dir = path;
                long n = Long.parseLong(args[2]);
                try (SharedArray a = SharedArray.create(dir.resolve("a.npy"), dev.paralelo.DType.F64, new long[] {n}, false);
                        SharedArray b = SharedArray.create(dir.resolve("b.npy"), dev.paralelo.DType.F64, new long[] {n}, false)) {
                    Kernels.defaults().fill(a.array(), 1.0);
                    Kernels.defaults().fill(b.array(), 2.0);
                    System.out.println("filled both");
                } catch (java.io.IOException e) {
                    System.out.println("refused: " + e.getMessage());
                    System.exit(3);
                }
            }
            case "replace" -> { // PATH N VALUE: replace PATH with a complete array of N copies of VALUE
                double v = Double.parseDouble(args[3]);
                SharedArray.create(path, dev.paralelo.DType.F64, new long[] {Long.parseLong(args[2])}, true,
                        x -> Kernels.defaults().fill(x, v)).close();
                System.out.println("replaced");
            }
            case "recreate" -> { // PATH N VALUE: remove PATH, then create a new complete array there
                Files.delete(path);
                double v = Double.parseDouble(args[3]);
                SharedArray.create(path, dev.paralelo.DType.F64, new long[] {Long.parseLong(args[2])}, false,
                        x -> Kernels.defaults().fill(x, v)).close();
                System.out.println("recreated");
            }
            case "barrier-init" -> { // PATH PARTIES: initialise the barrier at the start of PATH's data again
                try (SharedArray a = SharedArray.open(path, true)) {
                    SharedBarrier.init(a.array().segment(), Long.parseLong(args[2]));
                }
                System.out.println("initialised");
            }
            case "barrier-zero" -> { // PATH: zero the barrier's words
                try (SharedArray a = SharedArray.open(path, true)) {
                    a.array().segment().asSlice(0, BarrierLayout.LENGTH).fill((byte) 0);
                }
                System.out.println("zeroed");
            }
            case "truncate" -> { // PATH BYTES
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(path,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(Long.parseLong(args[2]));
                }
                System.out.println("truncated");
            }
            case "toggle" -> { // PATH SMALL: truncate PATH to SMALL bytes and regrow it, over and over, until stdin has a line
                long full = Files.size(path), small = Long.parseLong(args[2]);
                Thread stop = new Thread(() -> {
                    try {
                        stdin.readLine();
                    } catch (java.io.IOException e) {
                        // parent gone: stop as well
                    }
                    System.exit(0);
                });
                stop.setDaemon(true);
                stop.start();
                try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(path.toFile(), "rw")) {
                    System.out.println("toggling");
                    System.out.flush();
                    for (;;) {
                        f.setLength(small);
                        Thread.sleep(0, 300_000);
                        f.setLength(full);
                        Thread.sleep(1);
                    }
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** PSS in kB of this process's mappings of path, from /proc/self/smaps. */
    static long mappingPss(Path path) throws Exception {
        long total = 0;
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (Character.isDigit(line.charAt(0)) || (line.charAt(0) >= 'a' && line.charAt(0) <= 'f' && line.contains("-") && line.split("\\s+").length >= 5)) {
                in = line.endsWith(path.toString());
            } else if (in && line.startsWith("Pss:")) {
                total += Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return total;
    }

    /** Whole-process PSS in kB from /proc/self/smaps_rollup. */
    static long rollupPss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
            if (line.startsWith("Pss:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        throw new IllegalStateException("no Pss line in smaps_rollup");
    }
}
