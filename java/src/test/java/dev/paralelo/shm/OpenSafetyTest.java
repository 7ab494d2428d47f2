package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F64Array;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens against a hostile second user ({@link Privileged#OTHER_USER}, a real Unix user) and
 * against files that are not arrays: links are never followed, another user's file is not
 * opened for writing without an opt-in, FIFOs and devices are refused before they are opened.
 */
class OpenSafetyTest {
    @TempDir
    Path tmp;

    private Path shared; // the shm directory: owned by the other user, so that it can plant files
    private String old;

    @BeforeEach
    void otherUsersDirectory() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        shared = tmp.resolve("shm");
        Files.createDirectory(shared);
        old = System.getProperty(SharedArray.DIR_PROPERTY);
        System.setProperty(SharedArray.DIR_PROPERTY, shared.toString());
    }

    @AfterEach
    void restore() {
        if (old == null) System.clearProperty(SharedArray.DIR_PROPERTY);
        else System.setProperty(SharedArray.DIR_PROPERTY, old);
    }

    private void giveToOtherUser(Path p) throws Exception {
        Privileged.requireRoot("acts as a second Unix user (" + Privileged.OTHER_USER + ")");
        Privileged.sh("chown", Privileged.OTHER_USER + ":nogroup", p.toString());
    }

    @Test
    void aLinkPlantedByAnotherUserIsNotFollowed() throws Exception {
        Path secret = tmp.resolve("secret.npy");
        SharedArray.create(secret, DType.F64, new long[] {4}, false, x -> ((F64Array) x).set(0, 42)).close();
        {
            byte[] before = Files.readAllBytes(secret);
            giveToOtherUser(shared);
            // Not a sticky directory: fs.protected_symlinks would not stop the link either way.
            Privileged.sh(Privileged.asOtherUser("ln", "-s", secret.toString(), shared.resolve("victim.npy").toString())
                    .toArray(String[]::new));
            FileSystemException e = assertThrows(FileSystemException.class, () -> SharedArray.open("victim", true));
            assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
            assertThrows(FileSystemException.class, () -> SharedArray.open("victim", false), "read-only too");
            assertThrows(java.io.IOException.class, () -> SharedArray.create(SharedArray.resolve("victim"), DType.F64, new long[] {4}, true),
                    "--force does not write through or remove the link");
            assertArrayEquals(before, Files.readAllBytes(secret), "the private file is untouched");
            assertTrue(Files.isSymbolicLink(shared.resolve("victim.npy")));
        }
    }

    @Test
    void aWritableOpenRefusesAnotherUsersArrayUnlessAskedExplicitly() throws Exception {
        giveToOtherUser(shared);
        Privileged.Run made = Privileged.run(tmp, 60, Privileged.asOtherUser(Privileged.cli(
                List.of("-D" + SharedArray.DIR_PROPERTY + "=" + shared), "shm", "create", "theirs", "--dtype", "f64", "--length", "8")
                .toArray(String[]::new)));
        assertEquals(0, made.status(), made.err());
        Path theirs = shared.resolve("theirs.npy");
        Files.setPosixFilePermissions(theirs, PosixFilePermissions.fromString("rw-rw-rw-"));
        AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> SharedArray.open("theirs", true));
        assertTrue(e.getMessage().contains("owned by " + Privileged.OTHER_USER), e.getMessage());
        try (SharedArray a = SharedArray.openWritableOfAnyOwner(theirs)) {
            a.array(F64Array.class).set(0, 1.0);
        }
        SharedArray.open("theirs", false).close(); // read-only is fine (it warns: see StatsSafetyTest)
    }

    @Test
    void aFifoIsRefusedBeforeItIsOpened() throws Exception {
        Path fifo = tmp.resolve("pipe.npy");
        Privileged.sh("mkfifo", fifo.toString());
        for (boolean writable : new boolean[] {false, true}) {
            FileSystemException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(FileSystemException.class, () -> SharedArray.open(fifo, writable)), "opening a FIFO blocks");
            assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        }
        Path raw = tmp.resolve("pipe.bin");
        Privileged.sh("mkfifo", raw.toString());
        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(FileSystemException.class, () -> SharedArray.openRaw(raw, DType.F64, false)));
    }

    @Test
    void devicesDirectoriesAndProcFilesAreRefused() throws Exception {
        assertThrows(FileSystemException.class, () -> SharedArray.openRaw(Path.of("/dev/null"), DType.F64, false));
        assertThrows(FileSystemException.class, () -> SharedArray.openRaw(tmp, DType.F64, false));
        NpyFormatException e = assertThrows(NpyFormatException.class,
                () -> SharedArray.openRaw(Path.of("/proc/self/status"), DType.F64, false));
        assertTrue(e.getMessage().contains("size of 0 bytes but has content"), e.getMessage());
    }

    @Test
    void aNearMagicOrNpyNamedFileIsNeverRaw() throws Exception {
        Path p = tmp.resolve("x.npy");
        SharedArray.create(p, DType.F64, new long[] {8}, false).close();
        byte[] b = Files.readAllBytes(p);
        b[5] = 'X'; // \x93NUMPX
        Path bin = tmp.resolve("x.bin");
        Files.write(bin, b);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> SharedArray.openAny(bin, DType.F64, false));
        assertTrue(e.getMessage().contains("corrupt .npy"), e.getMessage());
        assertThrows(NpyFormatException.class, () -> SharedArray.openRaw(bin, DType.F64, false));
        Path named = tmp.resolve("plain.npy");
        Files.write(named, new byte[64]);
        assertThrows(NpyFormatException.class, () -> SharedArray.openAny(named, DType.F64, false), "a .npy name is never raw");
    }
}
