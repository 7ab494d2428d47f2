package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.Kernels;
import dev.paralelo.Python;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real numpy maps Paralelo's files and Paralelo maps numpy's, live in both directions. */
class NumpyInteropTest {
    @TempDir
    Path dir;

    @Test
    void numpySeesJavasWritesAndJavaSeesNumpys() throws Exception {
        Path p = dir.resolve("live.npy");
        try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {1000, 3}, false)) {
            F64Array x = a.array(F64Array.class);
            for (int i = 0; i < x.length(); i++) x.set(i, i);
            // numpy maps the file, checks Java's values, then writes through its own mapping.
            String out = Python.run("""
                    import sys, numpy as np
                    a = np.load(sys.argv[1], mmap_mode='r+')
                    assert a.shape == (1000, 3) and a.dtype == np.float64, (a.shape, a.dtype)
                    assert a.ctypes.data % 64 == 0, 'data is 64-byte aligned'
                    print(float(a.sum()))
                    a[:] = 0.5
                    a[999, 2] = 7.0
                    a.flush()
                    """, p.toString());
            assertEquals(Double.toString(2999.0 * 3000 / 2), out.strip());
            assertEquals(2999 * 0.5 + 7.0, Kernels.defaults().sum(x), "Java's existing mapping sees numpy's writes");
        }
    }

    @Test
    void paraleloOpensNumpysFiles() throws Exception {
        Python.run("""
                import sys, numpy as np
                d = sys.argv[1]
                np.save(d + '/i4.npy', np.arange(-50, 50, dtype=np.int32).reshape(10, 10))
                np.save(d + '/f4f.npy', np.asfortranarray(np.ones((4, 6), dtype=np.float32)))
                """, dir.toString());
        try (SharedArray a = SharedArray.open(dir.resolve("i4.npy"), false)) {
            assertEquals(-50, Kernels.defaults().sum(a.array(I32Array.class)));
        }
        try (SharedArray a = SharedArray.open(dir.resolve("f4f.npy"), true)) {
            assertTrue(a.header().fortranOrder());
            assertEquals(24.0, Kernels.defaults().sum(a.array(F32Array.class)));
        }
    }

    @Test
    void theTalksExampleSumsExactly() throws Exception {
        Path shm = Path.of("/dev/shm");
        Path p = Files.isDirectory(shm) && Files.isWritable(shm)
                ? shm.resolve("paralelo-test-" + ProcessHandle.current().pid() + ".raw")
                : dir.resolve("talk.raw");
        try {
            Python.run("""
                    import sys, numpy as np
                    m = np.memmap(sys.argv[1], dtype=np.float32, mode='w+', shape=(1 << 22,))
                    m[:] = np.arange(1 << 22, dtype=np.float32)
                    m.flush()
                    """, p.toString());
            try (SharedArray a = SharedArray.openRaw(p, DType.F32, false)) {
                double s = Kernels.defaults().sum(a.array(F32Array.class));
                assertEquals(8796090925056.0, s);
                assertEquals(8796090925056L, (long) s);
            }
        } finally {
            Files.deleteIfExists(p);
        }
    }
}
