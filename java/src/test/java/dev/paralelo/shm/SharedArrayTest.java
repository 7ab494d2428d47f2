package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.Kernels;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating, opening, listing and deleting shared arrays, and every kind of bad input. */
class SharedArrayTest {
    @TempDir
    Path dir;

    @Test
    void createOpenWriteReadDelete() throws Exception {
        Path p = dir.resolve("a.npy");
        try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {3, 5}, false)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
            assertEquals(0, a.header().dataOffset() % 64, "data is 64-byte aligned in the file");
            assertEquals(0, a.array().segment().address() % 64, "and in memory");
            F64Array x = a.array(F64Array.class);
            assertEquals(15, x.length());
            for (int i = 0; i < 15; i++) x.set(i, i);
            try (SharedArray b = SharedArray.open(p, false)) {
                assertArrayEquals(new long[] {3, 5}, b.shape());
                assertEquals(105.0, Kernels.defaults().sum(b.array(F64Array.class)), "a second mapping sees the writes");
                assertTrue(b.isReadOnly());
                assertThrows(dev.paralelo.ReadOnlyArrayException.class, () -> b.array(F64Array.class).set(0, 1.0));
                dev.paralelo.ReadOnlyArrayException e = assertThrows(dev.paralelo.ReadOnlyArrayException.class,
                        () -> Kernels.defaults().fill(b.array(), 1.0));
                assertTrue(e.getMessage().contains("read-only"));
                assertThrows(IllegalArgumentException.class, () -> b.array(I32Array.class));
            }
        }
        assertThrows(NpyFormatException.class, () -> SharedArray.openRaw(p, DType.I32, false), "a .npy file is never raw");
        Path raw = dir.resolve("a.bin");
        Files.write(raw, new byte[64]);
        try (SharedArray r = SharedArray.openRaw(raw, DType.I32, false)) {
            assertEquals(16, r.array().length(), "raw files map whole, as numpy.memmap would");
        }
        SharedArray c = SharedArray.open(p, true);
        c.delete();
        assertFalse(Files.exists(p));
        assertThrows(IllegalStateException.class, () -> Kernels.defaults().sum(c.array(F64Array.class)), "closed mapping");
    }

    @Test
    void namesLiveInTheConfiguredDirectory() throws Exception {
        String old = System.getProperty(SharedArray.DIR_PROPERTY);
        System.setProperty(SharedArray.DIR_PROPERTY, dir.toString());
        try {
            try (SharedArray a = SharedArray.create("counts", DType.I32, 10)) {
                assertEquals(dir.resolve("counts.npy"), a.path());
            }
            var entries = SharedArray.list();
            assertEquals(1, entries.size());
            assertEquals("counts", entries.get(0).name());
            assertEquals(DType.I32, entries.get(0).dtype());
            assertThrows(FileAlreadyExistsException.class, () -> SharedArray.create("counts", DType.I32, 10));
            SharedArray.create(SharedArray.resolve("counts"), DType.F64, new long[] {2}, true).close();
            try (SharedArray a = SharedArray.open("counts", false)) {
                assertEquals(DType.F64, a.array().dtype(), "replaced with --force semantics");
            }
            for (String bad : new String[] {"a/b", "..", "x..y", "", "a\u0000b"}) {
                assertThrows(IllegalArgumentException.class, () -> SharedArray.resolve(bad), bad);
            }
            SharedArray.delete("counts");
            assertThrows(NoSuchFileException.class, () -> SharedArray.delete("counts"));
        } finally {
            if (old == null) System.clearProperty(SharedArray.DIR_PROPERTY);
            else System.setProperty(SharedArray.DIR_PROPERTY, old);
        }
    }

    @Test
    void badFilesAreRejectedWithReasons() throws Exception {
        assertThrows(NoSuchFileException.class, () -> SharedArray.open(dir.resolve("missing.npy"), false));
        Path p = dir.resolve("x.npy");
        SharedArray.create(p, DType.F64, new long[] {100}, false).close();
        byte[] good = Files.readAllBytes(p);
        Files.write(dir.resolve("short.npy"), java.util.Arrays.copyOf(good, good.length - 8));
        assertTrue(assertThrows(NpyFormatException.class, () -> SharedArray.open(dir.resolve("short.npy"), false))
                .getMessage().contains("truncated"));
        byte[] corrupt = good.clone();
        corrupt[20] = '#';
        Files.write(dir.resolve("corrupt.npy"), corrupt);
        assertThrows(NpyFormatException.class, () -> SharedArray.open(dir.resolve("corrupt.npy"), false));
        for (String descr : new String[] {"|O8", ">f8", "<c16"}) {
            byte[] b = good.clone();
            String text = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1).replace("'<f8'", pad("'" + descr + "'"));
            Files.write(dir.resolve("t.npy"), text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThrows(NpyFormatException.class, () -> SharedArray.open(dir.resolve("t.npy"), false), descr);
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r--------"));
        assertThrows(AccessDeniedException.class, () -> SharedArray.open(p, true));
        SharedArray.open(p, false).close();
    }

    private static String pad(String s) {
        return s.length() >= 5 ? s : s + " ".repeat(5 - s.length());
    }

    /**
     * checkSameFile: the path still names the mapped file, until it is replaced or removed; a
     * closed array says so; a shape past 2^63 bytes names itself.
     */
    @Test
    void anArrayKnowsWhetherItsPathStillNamesItsFile() throws Exception {
        Path p = dir.resolve("same.npy");
        SharedArray a = SharedArray.create(p, DType.F64, new long[] {10}, false);
        try (a; SharedArray reopened = SharedArray.open(p, false)) {
            a.checkSameFile();
            reopened.checkSameFile();
            try (SharedArray b = SharedArray.create(p, DType.F64, new long[] {10}, true)) {
                b.checkSameFile();
                IllegalStateException e = assertThrows(IllegalStateException.class, a::checkSameFile);
                assertTrue(e.getMessage().contains("names another file"), e.getMessage());
                assertThrows(IllegalStateException.class, reopened::checkSameFile);
                a.checkIntact(); // the old mapping itself is intact
                java.nio.file.Files.delete(p);
                e = assertThrows(IllegalStateException.class, b::checkSameFile);
                assertTrue(e.getMessage().contains("was removed"), e.getMessage());
            }
        }
        IllegalStateException closed = assertThrows(IllegalStateException.class, a::checkIntact);
        assertTrue(closed.getMessage().contains("the array was closed"), closed.getMessage());
        ArithmeticException big = assertThrows(ArithmeticException.class,
                () -> SharedArray.create(dir.resolve("big.npy"), DType.F64, new long[] {1L << 62}, false));
        assertTrue(big.getMessage().contains("(4611686018427387904,)") && big.getMessage().contains("2^63 bytes"), big.getMessage());
    }

    /**
     * Replacing: a numpy file of an element type Paralelo does not read is still a .npy array and
     * is replaced; any other file is refused; a missing folder is named as the user's path's.
     */
    @Test
    void anyNpyFileIsReplacedAndNothingElse() throws Exception {
        Path half = dir.resolve("half.npy");
        String dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }";
        StringBuilder header = new StringBuilder(dict);
        while ((10 + header.length() + 1) % 64 != 0) header.append(' ');
        header.append('\n');
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0});
        b.write(header.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.write(new byte[6]);
        java.nio.file.Files.write(half, b.toByteArray());
        assertThrows(IOException.class, () -> SharedArray.open(half, false), "float16 is not read");
        Npy.save(half, F64Array.of(1.5, 2.5));
        try (SharedArray a = SharedArray.open(half, false)) {
            assertEquals(2.5, a.array(F64Array.class).get(1));
        }
        Path text = dir.resolve("notes.npy");
        java.nio.file.Files.writeString(text, "not an array");
        IOException e = assertThrows(IOException.class, () -> Npy.save(text, F64Array.of(1.0)));
        assertTrue(e.getMessage().contains("refusing to replace"), e.getMessage());
        assertEquals("not an array", java.nio.file.Files.readString(text), "left as it was");
        Path nowhere = dir.resolve("no-such-folder").resolve("x.npy");
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> Npy.save(nowhere, F64Array.of(1.0)));
        assertTrue(missing.getMessage().contains(nowhere.toString()) && missing.getMessage().contains("does not exist")
                && !missing.getMessage().contains(".partial"), missing.getMessage());
    }

    @Test
    void anArrayLargerThanTheFreeSpaceIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path p = dir.resolve("huge.npy");
        long free = Files.getFileStore(dir).getUsableSpace();
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> SharedArray.create(p, DType.F64, new long[] {free / 8 + (1L << 30)}, false));
        assertTrue(e.getMessage().contains("no space"), e.getMessage());
        assertFalse(Files.exists(p));
    }

    @Test
    void aFileTruncatedWhileMappedFailsWithAnExceptionNotACrash() throws Exception {
        Path p = dir.resolve("t.npy");
        try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {1 << 20}, false)) {
            Kernels k = Kernels.defaults();
            k.fill(a.array(), 1.0);
            assertEquals(1 << 20, k.sum(a.array(F64Array.class)));
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(4096); // what another process could do
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> k.sum(a.array(F64Array.class)));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> k.sum(a.array(F64Array.class).slice(0, 10)), "slices too");
        }
    }
}
