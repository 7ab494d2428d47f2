package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A new array appears whole or not at all, and only when its space is reserved. */
class PublishTest {
    @TempDir
    Path dir;

    private List<String> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aCreatorKilledMidFillLeavesNoArray() throws Exception {
        Path p = dir.resolve("half.npy");
        Process creator = Peers.jvm("create-and-hang", p.toString(), "100000");
        try {
            assertEquals("filling", Peers.readLine(creator));
            // A reader racing the creator sees no array, not a zeroed or half-filled one.
            assertThrows(NoSuchFileException.class, () -> SharedArray.open(p, false));
        } finally {
            creator.destroyForcibly(); // kill -9, in the middle of the fill
            assertTrue(creator.waitFor(30, TimeUnit.SECONDS));
        }
        assertFalse(Files.exists(p), "nothing was published: " + files());
        assertTrue(files().stream().allMatch(f -> f.startsWith(".half.npy.") && f.endsWith(".partial")),
                "only the creator's temporary file is left: " + files());
        // Listed in this test's folder: /dev/shm is shared with whatever else runs on the machine.
        String old = System.getProperty(SharedArray.DIR_PROPERTY);
        System.setProperty(SharedArray.DIR_PROPERTY, dir.toString());
        try {
            assertTrue(SharedArray.list().isEmpty(), "the temporary file is not listed as an array");
        } finally {
            if (old == null) System.clearProperty(SharedArray.DIR_PROPERTY);
            else System.setProperty(SharedArray.DIR_PROPERTY, old);
        }
    }

    @Test
    void aFilledArrayIsPublishedWholeAndNeverOverAnother() throws Exception {
        Path p = dir.resolve("whole.npy");
        try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {4097}, false, x -> Kernels.defaults().fill(x, 0.5))) {
            try (SharedArray b = SharedArray.open(p, false)) {
                assertEquals(4097 * 0.5, Kernels.defaults().sum(b.array(F64Array.class)), "a reader sees the filled array");
            }
            assertEquals(a.array().segment().address() % 64, 0);
        }
        assertThrows(FileAlreadyExistsException.class, () -> SharedArray.create(p, DType.F64, new long[] {1}, false));
        assertEquals(List.of("whole.npy"), files(), "no temporary file is left behind");
    }

    @Test
    void aFullTmpfsFailsTheCreateWithNoSpaceInsteadOfSigbus() throws Exception {
        try (Privileged.Mount m = Privileged.mountTmpfs(dir.resolve("tmpfs"), "1m")) {
            Path mnt = m.dir();
            // Two arrays of 600 kB on a 1 MiB tmpfs, both created before either is filled:
            // sparse files both fit at create time, and the native fill of the second one then
            // died of SIGBUS with the whole JVM.
            Process p = Peers.jvm("create-two-then-fill", mnt.toString(), "75000");
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(3, p.exitValue(), "a clean refusal (exit 3), not a signal (134/135): " + out);
            assertTrue(out.startsWith("refused: no space for " + mnt.resolve("b.npy")), out);
            try (Stream<Path> s = Files.list(mnt)) {
                assertEquals(List.of(mnt.resolve("a.npy")), s.toList(), "a stays; b and its temporary file are gone");
            }
        }
    }
}
