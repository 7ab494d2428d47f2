package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.Python;
import dev.paralelo.ReadOnlyArrayException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a numpy user reaches for in the first hour, checked against real numpy. */
class NumpyUserTest {
    @TempDir
    Path dir;

    private String oldDir;

    @BeforeEach
    void useTempDir() {
        oldDir = System.getProperty(SharedArray.DIR_PROPERTY);
        System.setProperty(SharedArray.DIR_PROPERTY, dir.toString());
    }

    @AfterEach
    void restoreDir() {
        if (oldDir == null) System.clearProperty(SharedArray.DIR_PROPERTY);
        else System.setProperty(SharedArray.DIR_PROPERTY, oldDir);
    }

    @Test
    void npyLoadReadsWhatNumpySavedToHeapAndOffHeap() throws IOException {
        Python.run("""
                import sys, numpy as np
                d = sys.argv[1]
                np.save(d + '/f8.npy', np.array([0.1, -2.5, np.nan, np.inf, 1e300]))
                np.save(d + '/f4.npy', np.array([0.1, 3.25], dtype=np.float32))
                np.save(d + '/i8.npy', np.array([-(2**62), 7, 2**62]))
                np.save(d + '/i4.npy', np.arange(5, dtype=np.int32) - 2)
                np.save(d + '/empty.npy', np.zeros(0))
                """, dir.toString());
        for (boolean heap : new boolean[] {true, false}) {
            try (Arena arena = Arena.ofConfined()) {
                NumArray f8 = load(dir.resolve("f8.npy"), heap, arena);
                assertArrayEquals(new double[] {0.1, -2.5, Double.NaN, Double.POSITIVE_INFINITY, 1e300}, ((F64Array) f8).toArray());
                assertEquals(heap, f8.segment().isNative() == false, "heap: " + heap);
                assertArrayEquals(new float[] {0.1f, 3.25f}, ((F32Array) load(dir.resolve("f4.npy"), heap, arena)).toArray());
                assertArrayEquals(new long[] {-(1L << 62), 7, 1L << 62}, ((I64Array) load(dir.resolve("i8.npy"), heap, arena)).toArray());
                assertArrayEquals(new int[] {-2, -1, 0, 1, 2}, ((I32Array) load(dir.resolve("i4.npy"), heap, arena)).toArray());
                assertEquals(0, load(dir.resolve("empty.npy"), heap, arena).length());
            }
        }
        Files.writeString(dir.resolve("text.npy"), "not numpy");
        assertThrows(NpyFormatException.class, () -> Npy.load(dir.resolve("text.npy")));
    }

    private static NumArray load(Path p, boolean heap, Arena arena) throws IOException {
        return heap ? Npy.load(p) : Npy.load(p, arena);
    }

    @Test
    void npySaveWritesWhatNumpyLoadsFromHeapAndOffHeap() throws IOException {
        Npy.save(dir.resolve("heap.npy"), F64Array.wrap(new double[] {1.5, -0.0, Double.NaN}));
        try (Arena arena = Arena.ofConfined()) {
            I32Array x = I32Array.allocate(arena, 6);
            for (int i = 0; i < 6; i++) x.set(i, i * 10);
            Npy.save(dir.resolve("offheap.npy"), x, 2, 3);
            Npy.save(dir.resolve("offheap.npy"), x, 3, 2); // again: replaces
        }
        Npy.save(dir.resolve("f4.npy"), F32Array.of(0.1f));
        Npy.save(dir.resolve("i8.npy"), I64Array.of(Long.MIN_VALUE, Long.MAX_VALUE));
        String out = Python.run("""
                import sys, numpy as np
                d = sys.argv[1]
                for name in ['heap', 'offheap', 'f4', 'i8']:
                    a = np.load(d + '/' + name + '.npy')
                    print(name, a.dtype.str, a.shape, a.tolist())
                """, dir.toString());
        assertEquals("""
                heap <f8 (3,) [1.5, -0.0, nan]
                offheap <i4 (3, 2) [[0, 10], [20, 30], [40, 50]]
                f4 <f4 (1,) [0.10000000149011612]
                i8 <i8 (2,) [-9223372036854775808, 9223372036854775807]
                """, out);
        assertThrows(IllegalArgumentException.class, () -> Npy.save(dir.resolve("bad.npy"), F64Array.of(1, 2, 3), 2, 2));
        assertFalse(Files.exists(dir.resolve("bad.npy")));
    }

    @Test
    void dtypeParseAcceptsNumpysNamesForTheSameTypes() {
        List<String> names = List.of("float64", "f8", "<f8", "=f8", "double", "float", "d", "float32", "f4", "<f4", "single", "f",
                "int64", "i8", "<i8", "q", "long", "int", "int32", "i4", "<i4", "i", "intc", "F64", "f32", "i64", "I32");
        StringBuilder expected = new StringBuilder();
        for (String n : names) expected.append(DType.parse(n).numpyDescr()).append('\n');
        // numpy says which type each name is; ours must be the same.
        String numpy = Python.run("""
                import sys, numpy as np
                m = {'F64': 'f8', 'f32': 'f4', 'i64': 'i8', 'I32': 'i4'}
                for n in sys.argv[1:]:
                    print(np.dtype(m.get(n, n)).str)
                """, names.toArray(String[]::new));
        assertEquals(numpy, expected.toString());
        for (String bad : List.of(">f8", "float16", "complex128", "uint32", "u4", "", "f 8")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DType.parse(bad), bad);
            assertTrue(e.getMessage().contains("float64"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DType.parse(">f8")).getMessage().contains("big-endian"));
    }

    @Test
    void sumMinMaxOnAnArrayOfRuntimeType() {
        Kernels k = Kernels.defaults();
        List<NumArray> arrays = List.of(F64Array.of(0.5, -1, 4), F32Array.of(0.5f, -1, 4), I64Array.of(1, -1, 4), I32Array.of(1, -1, 4));
        double[][] expected = {{3.5, -1, 4}, {3.5, -1, 4}, {4, -1, 4}, {4, -1, 4}};
        for (int i = 0; i < arrays.size(); i++) {
            NumArray a = arrays.get(i);
            assertEquals(expected[i][0], k.sum(a), a.describe());
            assertEquals(expected[i][1], k.min(a), a.describe());
            assertEquals(expected[i][2], k.max(a), a.describe());
        }
        assertThrows(IllegalArgumentException.class, () -> k.min((NumArray) F64Array.of()));
        assertEquals(0.0, k.sum((NumArray) I32Array.of()));
    }

    @Test
    void toStringIsNumpysRepr() throws IOException {
        SplittableRandom r = new SplittableRandom(7);
        List<NumArray> cases = new ArrayList<>(List.of(
                F64Array.of(0.1, 0.25), F64Array.of(0, 1, 2), F64Array.of(0, 0.5, 10), F64Array.of(-1.5, 2, 300.125),
                F64Array.of(Double.NaN, 1, Double.POSITIVE_INFINITY), F64Array.of(Double.NEGATIVE_INFINITY, 0.5),
                F64Array.of(Double.NaN), F64Array.of(Double.NaN, Double.NEGATIVE_INFINITY), F64Array.of(-0.0, 1),
                F64Array.of(1e-5, 1), F64Array.of(1.5e-5, 1), F64Array.of(1, 10000.5), F64Array.of(1e8, 2), F64Array.of(1e300, -1e-300),
                F64Array.of(1.0 / 3, 2.0 / 3), F64Array.of(123456.789, 0.001), F64Array.of(1e100, Double.NaN),
                F32Array.of(0.1f, 0.2f), F32Array.of(1.0f / 3), I32Array.of(1, 2, 3), I64Array.of(-5, 100, 7),
                I64Array.of(Long.MIN_VALUE, 0), F64Array.of(), I32Array.of(), F32Array.of()));
        double[] wide = new double[40];
        for (int i = 0; i < wide.length; i++) wide[i] = r.nextDouble() * 100;
        cases.add(F64Array.of(wide));
        long[] ints = new long[50];
        for (int i = 0; i < ints.length; i++) ints[i] = r.nextLong(-1000, 1000);
        cases.add(I64Array.of(ints));
        int[] many = new int[2000];
        for (int i = 0; i < many.length; i++) many[i] = i * 3;
        cases.add(I32Array.of(many));
        double[] big = new double[1001];
        for (int i = 0; i < big.length; i++) big[i] = i / 7.0;
        cases.add(F64Array.of(big));
        cases.add(F32Array.allocate(5000));
        StringBuilder ours = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            Npy.save(dir.resolve("r" + i + ".npy"), cases.get(i));
            ours.append(cases.get(i)).append("\n--\n");
        }
        // numpy 2.2 added the shape of a shortened array to its repr; with an older numpy the
        // script adds it as numpy 2.2 does (_array_repr_implementation), around numpy's own body.
        String numpy = Python.run("""
                import sys, numpy as np
                def repr22(a):
                    if np.lib.NumpyVersion(np.__version__) >= '2.2.0' or a.size <= 1000:
                        return repr(a)
                    extras = ['shape=%s' % (a.shape,)]
                    if a.dtype not in (np.float64, np.int64):
                        extras.append('dtype=' + a.dtype.name)
                    start = 'array(' + np.array2string(a, separator=', ', prefix='array(', suffix=')') + ','
                    extra = ', '.join(extras) + ')'
                    last = len(start) - (start.rfind('\\n') + 1)
                    return start + ('\\n      ' if last + len(extra) + 1 > 75 else ' ') + extra
                for i in range(int(sys.argv[2])):
                    print(repr22(np.load(sys.argv[1] + '/r%d.npy' % i)))
                    print('--')
                """, dir.toString(), Integer.toString(cases.size()));
        assertEquals(numpy, ours.toString());
    }

    @Test
    void sharedArraysByNameReplaceAndOpenWithAnAccessMode() throws IOException {
        for (int run = 0; run < 2; run++) {
            try (SharedArray a = SharedArray.createOrReplace("again", DType.F64, 3)) {
                a.array(F64Array.class).set(0, run);
            }
        }
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> SharedArray.create("again", DType.F64, 3));
        try (SharedArray ro = SharedArray.open("again", Access.READ_ONLY); SharedArray rw = SharedArray.open("again", Access.READ_WRITE)) {
            assertTrue(ro.isReadOnly());
            assertFalse(rw.isReadOnly());
            rw.array(F64Array.class).set(1, 5);
            assertEquals(5.0, ro.array(F64Array.class).get(1), "one live memory");
            assertEquals(1.0, ro.array(F64Array.class).get(0));
        }
    }

    @Test
    void writesToReadOnlyDataRaiseOneExceptionType() throws IOException {
        SharedArray.createOrReplace("ro", DType.I64, 4).close();
        try (SharedArray ro = SharedArray.open("ro", Access.READ_ONLY)) {
            I64Array x = ro.array(I64Array.class);
            Kernels k = Kernels.defaults();
            List<Runnable> writes = List.of(() -> x.set(0, 1), () -> x.compareAndSet(0, 0, 1), () -> x.getAndAdd(0, 1),
                    () -> x.setRelease(0, 1), () -> k.fill(x, 1L), () -> k.add(x, x, x), () -> k.copy(I64Array.of(1, 2, 3, 4), x),
                    () -> x.slice(1, 3).set(0, 1));
            for (Runnable w : writes) {
                ReadOnlyArrayException e = assertThrows(ReadOnlyArrayException.class, w::run);
                assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            }
            assertEquals(0, k.sum(x), "nothing was written");
        }
        assertThrows(ReadOnlyArrayException.class,
                () -> Kernels.defaults().fill(F64Array.wrap(F64Array.of(1, 2).segment().asReadOnly()), 0.0));
    }

    @Test
    void fortranOrderIsReportedAndGetIndexesStorageOrder() throws IOException {
        Python.run("""
                import sys, numpy as np
                np.save(sys.argv[1] + '/f.npy', np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)))
                """, dir.toString());
        try (SharedArray f = SharedArray.open(dir.resolve("f.npy"), Access.READ_ONLY)) {
            assertTrue(f.isFortranOrder());
            assertArrayEquals(new long[] {2, 3}, f.shape());
            F64Array x = f.array(F64Array.class);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) assertEquals(i * 3 + j, x.get(i + j * 2L), "element (" + i + ", " + j + ")");
            }
        }
        assertTrue(Npy.header(dir.resolve("f.npy")).fortranOrder());
        try (SharedArray c = SharedArray.createOrReplace("c", DType.F64, 2, 3)) {
            assertFalse(c.isFortranOrder());
        }
    }
}
