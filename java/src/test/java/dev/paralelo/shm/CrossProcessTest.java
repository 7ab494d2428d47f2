package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.I64Array;
import dev.paralelo.Kernels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real peers on the same mapped file: another JVM, a C program, and several of them at once. */
class CrossProcessTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ALWAYS)
    Path dir;

    @Test
    void childJvmWritesParentSeesAndTheReverse() throws Exception {
        Path p = dir.resolve("x.npy");
        try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {100_000}, false)) {
            F64Array x = a.array(F64Array.class);
            Peers.finish(Peers.jvm("write", p.toString(), "2.5"));
            assertEquals(250_000.0, Kernels.defaults().sum(x), "the parent sees the child's writes in its own mapping");

            Process watcher = Peers.jvm("watch", p.toString());
            assertEquals("ready", Peers.readLine(watcher), "the child has mapped the file");
            Kernels.defaults().fill(x, -1.0);
            Peers.tell(watcher);
            assertEquals("-100000.0", Peers.finish(watcher), "the child sees the parent's writes, without remapping");
        }
    }

    @Test
    void aCProgramReadsWhatJavaWroteAndWritesBack() throws Exception {
        Path p = dir.resolve("c.npy");
        try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {4097}, false)) {
            F64Array x = a.array(F64Array.class);
            for (int i = 0; i < x.length(); i++) x.set(i, i * 0.5);
            assertEquals("4097 4195328", Peers.finish(Peers.c("sum", p.toString())));
            Peers.finish(Peers.c("write", p.toString(), "0.25"));
            assertEquals(4097 * 0.25, Kernels.defaults().sum(x));
        }
    }

    @Test
    void barrierRoundsAcrossJavaThreadsJvmsAndC() throws Exception {
        Path p = dir.resolve("barrier.npy");
        int parties = 4, rounds = 200;
        try (SharedArray a = SharedArray.create(p, DType.I64, new long[] {BarrierLayout.LENGTH / 8 + parties}, false)) {
            var seg = a.array().segment();
            SharedBarrier b = SharedBarrier.init(seg, parties);
            I64Array slots = I64Array.wrap(seg.asSlice(BarrierLayout.LENGTH));
            List<Process> peers = new ArrayList<>();
            peers.add(Peers.jvm("barrier", p.toString(), "1", Integer.toString(rounds)));
            peers.add(Peers.jvm("barrier", p.toString(), "2", Integer.toString(rounds)));
            peers.add(Peers.c("barrier", p.toString(), "3", Integer.toString(rounds)));
            for (int r = 1; r <= rounds; r++) {
                slots.setRelease(0, r);
                b.await(Duration.ofSeconds(30));
                for (int s = 0; s < parties; s++) assertEquals(r, slots.getAcquire(s), "round " + r + " slot " + s);
                b.await(Duration.ofSeconds(30));
            }
            for (Process peer : peers) assertEquals("ok " + rounds + " rounds", Peers.finish(peer));
            assertEquals(2L * rounds, b.generation());
        }
    }

    @Test
    void aBarrierWithAMissingPartyTimesOut() throws Exception {
        try (SharedArray a = SharedArray.create(dir.resolve("lonely.npy"), DType.I64, new long[] {24}, false)) {
            SharedBarrier b = SharedBarrier.init(a.array().segment(), 2);
            org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.TimeoutException.class,
                    () -> b.await(Duration.ofMillis(200)));
        }
    }

    @Test
    void atomicCountsFromManyProcessesAreExact() throws Exception {
        Path p = dir.resolve("counter.npy");
        try (SharedArray a = SharedArray.create(p, DType.I64, new long[] {8}, false)) {
            I64Array cell = a.array(I64Array.class);
            List<Process> peers = new ArrayList<>();
            for (int i = 0; i < 3; i++) peers.add(Peers.jvm("count", p.toString(), "200000"));
            for (int i = 0; i < 200_000; i++) cell.getAndAdd(0, 1);
            for (Process peer : peers) Peers.finish(peer);
            assertEquals(800_000, cell.getAcquire(0), "no increment lost between 4 processes");
        }
    }
}
