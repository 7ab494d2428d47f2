package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.Kernels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The talk's point about forking: 4 processes that map one 1 GiB array use about 1 GiB of RAM
 * together, not 4 GiB. Measured with PSS, which charges each shared page to its sharers equally.
 */
class MemorySharingTest {
    @Test
    void fourProcessesShareOneGibibyte() throws Exception {
        Path shm = Path.of("/dev/shm");
        long need = 3L << 29; // 1.5 GiB: the array and some room
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm) && Files.getFileStore(shm).getUsableSpace() > need
                ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        Path p = dir.resolve("paralelo-pss-" + ProcessHandle.current().pid() + ".npy");
        long gib = 1L << 30;
        List<Process> peers = new ArrayList<>();
        try {
            // The parent writes every page once, then unmaps: only the 4 peers share the pages.
            try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {gib / 8}, false)) {
                Kernels.defaults().fill(a.array(), 1.0);
            }
            for (int i = 0; i < 4; i++) peers.add(Peers.jvm("pss", p.toString()));
            for (Process peer : peers) assertEquals("mapped", Peers.readLine(peer));
            // PSS divides each shared page by the number of processes mapping it at that moment,
            // so every peer measures only after all four have mapped and touched the array.
            for (Process peer : peers) Peers.tell(peer);
            long mapping = 0, total = 0;
            for (Process peer : peers) {
                String[] r = Peers.readLine(peer).split(" ");
                assertEquals("pss", r[0], String.join(" ", r));
                mapping += Long.parseLong(r[1]);
                total += Long.parseLong(r[2]);
            }
            double mappingGib = mapping / 1048576.0, totalGib = total / 1048576.0;
            System.out.printf("PSS of 4 processes mapping one 1 GiB array: %.3f GiB for the mapping, %.3f GiB in all%n",
                    mappingGib, totalGib);
            assertTrue(totalGib < 1.25, "4 processes use " + totalGib + " GiB of PSS together");
            assertTrue(mappingGib > 0.9 && mappingGib < 1.01, "the 4 peers share the 1 GiB mapping: " + mappingGib);
        } finally {
            for (Process peer : peers) {
                Peers.tell(peer);
                Peers.finish(peer);
            }
            Files.deleteIfExists(p);
        }
    }
}
