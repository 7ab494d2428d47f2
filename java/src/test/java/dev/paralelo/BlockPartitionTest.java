package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.KernelBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The public block partition, and the refusal of ranges that are not block-aligned. */
class BlockPartitionTest {
    static java.util.stream.Stream<KernelBackend> backends() {
        return Backends.all();
    }

    @Test
    void partsCoverTheArrayInWholeBlocks() {
        for (long n : new long[] {0, 1, 4095, 4096, 4097, 123_457}) {
            for (int k = 1; k <= 9; k++) {
                BlockPartition p = BlockPartition.of(n, k);
                assertEquals(k, p.size());
                long prev = 0;
                for (BlockRange r : p) {
                    assertEquals(prev, r.start());
                    assertTrue(BlockPartition.isAligned(n, r), r + " of " + n);
                    prev = r.end();
                }
                assertEquals(n, prev);
            }
            BlockPartition t = BlockPartition.byLength(n, 8192);
            assertEquals(Math.max(1, (n + 8191) / 8192), t.size());
            assertEquals(n, t.get(t.size() - 1).end());
        }
        assertThrows(IllegalArgumentException.class, () -> BlockPartition.byLength(10, 1000), "not a multiple of a block");
        assertThrows(IllegalArgumentException.class, () -> BlockPartition.of(10, 0));
        assertThrows(IllegalArgumentException.class, () -> new BlockRange(5, 4));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void rejectsUnalignedRange(KernelBackend b) {
        Kernels k = Kernels.using(b);
        F64Array x = F64Array.allocate(10_000);
        Throwable t = assertThrows(IllegalArgumentException.class, () -> k.partial(Reduction.SUM, x, new BlockRange(1, 4096)));
        assertTrue(t.getMessage().contains("not block-aligned") && t.getMessage().contains("[1, 4096)"), t.getMessage());
        assertThrows(IllegalArgumentException.class, () -> k.partial(Reduction.MIN, x, new BlockRange(0, 5000)), "end inside a block");
        assertThrows(IllegalArgumentException.class, () -> k.partial(Reduction.DOT, x, x, new BlockRange(4096, 4097)));
        assertThrows(IllegalArgumentException.class, () -> k.partialAround(x, new BlockRange(100, 8192), 0.0));
        assertThrows(IndexOutOfBoundsException.class, () -> k.partial(Reduction.SUM, x, new BlockRange(8192, 12_288)), "past the end");
        assertEquals(0.0, ((ExactSum) k.partial(Reduction.SUM, x, new BlockRange(8192, 10_000))).round(), "ending at n is fine");
        assertEquals(0.0, ((ExactSum) k.partial(Reduction.SUM, x, new BlockRange(10_000, 10_000))).round(), "empty at n is fine");
        assertThrows(IllegalArgumentException.class, () -> k.partial(Reduction.VARIANCE, x, BlockPartition.whole(10_000)),
                "float variance has two phases");
        assertThrows(IllegalArgumentException.class, () -> k.partial(Reduction.DOT, x, BlockPartition.whole(10_000)),
                "a dot takes two arrays");
    }
}
