package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What another process does to a shared file under this one's feet, each time from a real second
 * JVM ({@link Peer}): replacing the file before this one deletes it, re-initialising or zeroing a
 * barrier that this one waits on, truncating a counter's or barrier's file, and truncating and
 * regrowing a file over and over while this one opens or loads it. Each is a clear exception
 * (or, for delete, leaving the other process's file alone), never a raw InternalError, a silent
 * pass or lost data.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InterferenceTest {
    @TempDir
    Path dir;

    private static double firstValue(Path p) throws IOException {
        try (SharedArray b = SharedArray.open(p, false)) {
            return b.array(F64Array.class).get(0);
        }
    }

    @Test
    void deleteLeavesAFileAnotherProcessPutInItsPlace() throws Exception {
        Path p = dir.resolve("x.npy");
        SharedArray a = SharedArray.create(p, DType.F64, new long[] {1000}, false);
        assertEquals("replaced", Peers.finish(Peers.jvm("replace", p.toString(), "1000", "7")));
        assertFalse(a.delete(), "the path names another process's file now: not removed");
        assertTrue(Files.exists(p), "the other process's complete array is still there");
        assertEquals(7.0, firstValue(p));
        assertThrows(IllegalStateException.class, () -> Kernels.defaults().sum(a.array(F64Array.class)), "unmapped all the same");

        // Created anew after a delete by name in the other process (delete, then create without replace).
        SharedArray c = SharedArray.open(p, true);
        assertEquals("recreated", Peers.finish(Peers.jvm("recreate", p.toString(), "10", "3")));
        assertFalse(c.delete());
        assertEquals(3.0, firstValue(p), "the recreated array survives");

        // Still ours: removed.
        SharedArray d = SharedArray.open(p, true);
        assertTrue(d.delete());
        assertFalse(Files.exists(p));
        SharedArray e = SharedArray.create(p, DType.F64, new long[] {1}, false);
        Files.delete(p);
        assertFalse(e.delete(), "nothing there: nothing removed");
    }

    @Test
    void aCounterDeleteLeavesAReplacementAlone() throws Exception {
        String old = System.getProperty(SharedArray.DIR_PROPERTY);
        System.setProperty(SharedArray.DIR_PROPERTY, dir.toString());
        try {
            SharedCounter c = SharedCounter.create("hits");
            c.incrementAndGet();
            Path p = dir.resolve("hits.npy");
            assertEquals("replaced", Peers.finish(Peers.jvm("replace", p.toString(), "8", "5")));
            assertFalse(c.delete());
            assertEquals(5.0, firstValue(p), "the other process's array is left in place");
            try (SharedCounter mine = SharedCounter.create("mine")) {
                assertTrue(mine.delete());
            }
            assertFalse(Files.exists(dir.resolve("mine.npy")));
        } finally {
            if (old == null) System.clearProperty(SharedArray.DIR_PROPERTY);
            else System.setProperty(SharedArray.DIR_PROPERTY, old);
        }
    }

    private SharedArray barrierFile(long parties) throws Exception {
        SharedArray a = SharedArray.create(dir.resolve("b.npy"), DType.I64, new long[] {BarrierLayout.LENGTH / 8}, false);
        SharedBarrier.init(a.array().segment(), parties);
        return a;
    }

    /** Passes generations of a 2-party barrier with two threads of this JVM. */
    private static void pass(SharedBarrier b, int generations) throws Exception {
        for (int i = 0; i < generations; i++) {
            CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
                try {
                    b.await(Duration.ofSeconds(10));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            b.await(Duration.ofSeconds(10));
            other.get(10, TimeUnit.SECONDS);
        }
    }

    /** A lone waiter's outcome, as a string, once the peer process has run. */
    private static String loneWaitWhile(SharedBarrier b, Duration timeout, String... peer) throws Exception {
        CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                b.await(timeout);
                return "passed";
            } catch (Exception e) {
                return e.toString();
            }
        });
        Thread.sleep(300);
        assertFalse(waiter.isDone(), "the lone waiter waits: " + (waiter.isDone() ? waiter.join() : ""));
        Peers.finish(Peers.jvm(peer));
        return waiter.get(60, TimeUnit.SECONDS);
    }

    @Test
    void aBarrierReinitialisedUnderAWaiterIsAnErrorNotAPass() throws Exception {
        try (SharedArray a = barrierFile(2)) {
            SharedBarrier b = SharedBarrier.attach(a.array().segment());
            pass(b, 3);
            assertEquals(3, b.generation());
            String r = loneWaitWhile(b, Duration.ofSeconds(30), "barrier-init", a.path().toString(), "2");
            assertTrue(r.startsWith("java.lang.IllegalStateException") && r.contains("generation"), r);
        }
    }

    @Test
    void aBarrierZeroedUnderAWaiterIsAnErrorNotAPass() throws Exception {
        try (SharedArray a = barrierFile(2)) {
            SharedBarrier b = SharedBarrier.attach(a.array().segment());
            pass(b, 3);
            String r = loneWaitWhile(b, Duration.ofSeconds(30), "barrier-zero", a.path().toString());
            assertTrue(r.startsWith("java.lang.IllegalStateException"), r);
            assertThrows(IllegalStateException.class, () -> b.await(Duration.ofSeconds(1)), "a later wait too");
        }
        try (SharedArray a = SharedArray.create(dir.resolve("b0.npy"), DType.I64, new long[] {BarrierLayout.LENGTH / 8}, false)) {
            SharedBarrier b = SharedBarrier.init(a.array().segment(), 2);
            // At generation 0 zeroing leaves the generation as it was: the magic word tells.
            String r = loneWaitWhile(b, Duration.ofSeconds(20), "barrier-zero", a.path().toString());
            assertTrue(r.startsWith("java.lang.IllegalStateException") && r.contains("magic"), r);
        }
    }

    @Test
    void aTruncatedCounterOrBarrierIsAClearError() throws Exception {
        String old = System.getProperty(SharedArray.DIR_PROPERTY);
        System.setProperty(SharedArray.DIR_PROPERTY, dir.toString());
        try (SharedCounter c = SharedCounter.create("n")) {
            c.incrementAndGet();
            assertEquals("truncated", Peers.finish(Peers.jvm("truncate", dir.resolve("n.npy").toString(), "0")));
            IllegalStateException e = assertThrows(IllegalStateException.class, c::incrementAndGet);
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> c.getAndAdd(2));
            assertThrows(IllegalStateException.class, c::get);
        } finally {
            if (old == null) System.clearProperty(SharedArray.DIR_PROPERTY);
            else System.setProperty(SharedArray.DIR_PROPERTY, old);
        }
        try (SharedArray a = barrierFile(2)) {
            SharedBarrier b = SharedBarrier.attach(a.array().segment());
            String r = loneWaitWhile(b, Duration.ofSeconds(30), "truncate", a.path().toString(), "0");
            assertTrue(r.startsWith("java.lang.IllegalStateException") && r.contains("truncated"), r);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.await(Duration.ofSeconds(1)));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertThrows(IllegalStateException.class, b::generation);
        }
    }

    /**
     * Loads and opens a 32 MB .npy file while another process truncates and regrows it: every
     * outcome is the array or an IOException that says the file was truncated.
     */
    @Test
    void openAndLoadRacingTruncationsFailClearly() throws Exception {
        Path p = dir.resolve("big.npy");
        int n = 4 << 20;
        try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {n}, false)) {
            Kernels.defaults().fill(a.array(), 1.0);
        }
        Process peer = Peers.jvm("toggle", p.toString(), "4096");
        Map<String, Integer> outcomes = new TreeMap<>();
        try (Arena arena = Arena.ofConfined()) {
            assertEquals("toggling", Peers.readLine(peer));
            long end = System.nanoTime() + 8_000_000_000L;
            for (int i = 0; System.nanoTime() < end; i++) {
                String what;
                try {
                    switch (i % 4) {
                        case 0 -> assertEquals(n, Npy.load(p).length());
                        case 1 -> assertEquals(n, Npy.load(p, arena).length());
                        case 2 -> SharedArray.open(p, false).close();
                        default -> SharedArray.open(p, true).close();
                    }
                    what = (i % 4) + " ok";
                } catch (NpyFormatException e) {
                    if (!e.getMessage().contains("truncated")) throw e;
                    what = (i % 4) + " truncated" + (e.getCause() == null ? "" : " (" + e.getCause().getClass().getSimpleName() + ")")
                            + (e.getMessage().contains("being read") ? " while read" : e.getMessage().contains("being opened") ? " while opened" : "");
                } catch (Throwable e) {
                    throw new AssertionError("call " + i + " (" + (i % 4) + "): not a clear truncation error", e);
                }
                outcomes.merge(what, 1, Integer::sum);
            }
        } finally {
            Peers.tell(peer);
            peer.waitFor(30, TimeUnit.SECONDS);
            peer.destroyForcibly();
        }
        System.out.println("open/load racing truncations: " + outcomes);
        assertTrue(outcomes.keySet().stream().anyMatch(k -> k.endsWith("ok")), outcomes.toString());
    }

    @Test
    void aLoadOfAFileTruncatedBeforehandSaysSo() throws Exception {
        Path p = dir.resolve("small.npy");
        Npy.save(p, F64Array.of(1, 2, 3, 4));
        assertEquals("truncated", Peers.finish(Peers.jvm("truncate", p.toString(), "140")));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.load(p));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}
