package dev.paralelo.internal.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Bindings for {@code native/include/paralelo_mpi.h}, written by {@code native/tools/bindgen.py}
 * in jextract's style: do not edit by hand. The header's {@code #define} constants are
 * compile-time constants here, so using one never loads the library. Each function has a
 * holder class, loaded on first use, with its descriptor and handle; the functions the
 * generator lists as short kernels also have a {@code critical} handle, which may take heap
 * segments and must only run short calls (it holds off the GC).
 */
@SuppressWarnings("restricted")
public final class ParaleloMpiLib {
    private ParaleloMpiLib() {}

    /** {@code PL_MPI_VERSION}. */
    public static final int PL_MPI_VERSION = 1;

    /** {@code PL_MPI_E_STATE}: called before pl_mpi_init, or after pl_mpi_finalize. */
    public static final int PL_MPI_E_STATE = -20;

    /** {@code PL_MPI_E_THREAD}: MPI gave a lower thread level than the one required. */
    public static final int PL_MPI_E_THREAD = -21;

    /** {@code PL_MPI_THREAD_SINGLE}: one thread in the process. */
    public static final int PL_MPI_THREAD_SINGLE = 0;

    /** {@code PL_MPI_THREAD_FUNNELED}: many threads, only the one that called init calls MPI. */
    public static final int PL_MPI_THREAD_FUNNELED = 1;

    /** {@code PL_MPI_THREAD_SERIALIZED}: many threads, one MPI call at a time. */
    public static final int PL_MPI_THREAD_SERIALIZED = 2;

    /** {@code PL_MPI_THREAD_MULTIPLE}: any thread, any time. */
    public static final int PL_MPI_THREAD_MULTIPLE = 3;

    /** {@code PL_MPI_STATE_NEW}: pl_mpi_init not called yet. */
    public static final int PL_MPI_STATE_NEW = 0;

    /** {@code PL_MPI_STATE_RUNNING}: initialised. */
    public static final int PL_MPI_STATE_RUNNING = 1;

    /** {@code PL_MPI_STATE_FINISHED}: finalised: MPI cannot start again in this process. */
    public static final int PL_MPI_STATE_FINISHED = 2;

    /** {@code PL_MPI_ERROR_LENGTH}. */
    public static final int PL_MPI_ERROR_LENGTH = 512;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(true);

    private static MethodHandle handle(String name, FunctionDescriptor fd, boolean critical) {
        MemorySegment symbol = LibraryLoader.mpiLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libparalelo_mpi has no symbol " + name));
        return critical ? LINKER.downcallHandle(symbol, fd, CRITICAL) : LINKER.downcallHandle(symbol, fd);
    }

    private static final class pl_mpi_init$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_mpi_init", DESC, false);
    }

    /** {@code int pl_mpi_init(int required, int *provided)} */
    public static int plMpiInit(int required, MemorySegment provided) {
        try {
            return (int) pl_mpi_init$h.HANDLE.invokeExact(required, provided);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_init", t);
        }
    }

    private static final class pl_mpi_finalize$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_mpi_finalize", DESC, false);
    }

    /** {@code int pl_mpi_finalize(void)} */
    public static int plMpiFinalize() {
        try {
            return (int) pl_mpi_finalize$h.HANDLE.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_finalize", t);
        }
    }

    private static final class pl_mpi_state$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_mpi_state", DESC, false);
    }

    /** {@code int pl_mpi_state(int *state)} */
    public static int plMpiState(MemorySegment state) {
        try {
            return (int) pl_mpi_state$h.HANDLE.invokeExact(state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_state", t);
        }
    }

    private static final class pl_mpi_rank$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_mpi_rank", DESC, false);
    }

    /** {@code int pl_mpi_rank(int *rank)} */
    public static int plMpiRank(MemorySegment rank) {
        try {
            return (int) pl_mpi_rank$h.HANDLE.invokeExact(rank);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_rank", t);
        }
    }

    private static final class pl_mpi_size$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_mpi_size", DESC, false);
    }

    /** {@code int pl_mpi_size(int *size)} */
    public static int plMpiSize(MemorySegment size) {
        try {
            return (int) pl_mpi_size$h.HANDLE.invokeExact(size);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_size", t);
        }
    }

    private static final class pl_mpi_local$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_mpi_local", DESC, false);
    }

    /** {@code int pl_mpi_local(int *local_rank, int *local_size)} */
    public static int plMpiLocal(MemorySegment local_rank, MemorySegment local_size) {
        try {
            return (int) pl_mpi_local$h.HANDLE.invokeExact(local_rank, local_size);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_local", t);
        }
    }

    private static final class pl_mpi_barrier$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_mpi_barrier", DESC, false);
    }

    /** {@code int pl_mpi_barrier(void)} */
    public static int plMpiBarrier() {
        try {
            return (int) pl_mpi_barrier$h.HANDLE.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_barrier", t);
        }
    }

    private static final class pl_mpi_bcast$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_mpi_bcast", DESC, false);
    }

    /** {@code int pl_mpi_bcast(void *buf, int64_t bytes, int root)} */
    public static int plMpiBcast(MemorySegment buf, long bytes, int root) {
        try {
            return (int) pl_mpi_bcast$h.HANDLE.invokeExact(buf, bytes, root);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_bcast", t);
        }
    }

    private static final class pl_mpi_reduce$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_mpi_reduce", DESC, false);
    }

    /** {@code int pl_mpi_reduce(int dtype, int op, void *buf, int64_t n, int root)} */
    public static int plMpiReduce(int dtype, int op, MemorySegment buf, long n, int root) {
        try {
            return (int) pl_mpi_reduce$h.HANDLE.invokeExact(dtype, op, buf, n, root);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_reduce", t);
        }
    }

    private static final class pl_mpi_allreduce$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_mpi_allreduce", DESC, false);
    }

    /** {@code int pl_mpi_allreduce(int dtype, int op, void *buf, int64_t n)} */
    public static int plMpiAllreduce(int dtype, int op, MemorySegment buf, long n) {
        try {
            return (int) pl_mpi_allreduce$h.HANDLE.invokeExact(dtype, op, buf, n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_allreduce", t);
        }
    }

    private static final class pl_mpi_allreduce_state$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_mpi_allreduce_state", DESC, false);
    }

    /** {@code int pl_mpi_allreduce_state(int kind, void *states, int64_t count)} */
    public static int plMpiAllreduceState(int kind, MemorySegment states, long count) {
        try {
            return (int) pl_mpi_allreduce_state$h.HANDLE.invokeExact(kind, states, count);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_allreduce_state", t);
        }
    }

    private static final class pl_mpi_reduce_state$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_mpi_reduce_state", DESC, false);
    }

    /** {@code int pl_mpi_reduce_state(int kind, void *states, int64_t count, int root)} */
    public static int plMpiReduceState(int kind, MemorySegment states, long count, int root) {
        try {
            return (int) pl_mpi_reduce_state$h.HANDLE.invokeExact(kind, states, count, root);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_reduce_state", t);
        }
    }

    private static final class pl_mpi_gather$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_mpi_gather", DESC, false);
    }

    /** {@code int pl_mpi_gather(const void *send, int64_t bytes, void *recv, int root)} */
    public static int plMpiGather(MemorySegment send, long bytes, MemorySegment recv, int root) {
        try {
            return (int) pl_mpi_gather$h.HANDLE.invokeExact(send, bytes, recv, root);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_gather", t);
        }
    }

    private static final class pl_mpi_allgather$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_mpi_allgather", DESC, false);
    }

    /** {@code int pl_mpi_allgather(const void *send, int64_t bytes, void *recv)} */
    public static int plMpiAllgather(MemorySegment send, long bytes, MemorySegment recv) {
        try {
            return (int) pl_mpi_allgather$h.HANDLE.invokeExact(send, bytes, recv);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_allgather", t);
        }
    }

    private static final class pl_mpi_abort$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_mpi_abort", DESC, false);
    }

    /** {@code int pl_mpi_abort(int status)} */
    public static int plMpiAbort(int status) {
        try {
            return (int) pl_mpi_abort$h.HANDLE.invokeExact(status);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_abort", t);
        }
    }

    private static final class pl_mpi_error_string$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_mpi_error_string", DESC, false);
    }

    /** {@code int pl_mpi_error_string(int status, char *buf, int64_t len)} */
    public static int plMpiErrorString(int status, MemorySegment buf, long len) {
        try {
            return (int) pl_mpi_error_string$h.HANDLE.invokeExact(status, buf, len);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_mpi_error_string", t);
        }
    }

    /** Every bound function's descriptor by C name, in header order (for tests). */
    public static Map<String, FunctionDescriptor> descriptors() {
        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();
        m.put("pl_mpi_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        m.put("pl_mpi_finalize", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_mpi_state", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("pl_mpi_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("pl_mpi_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("pl_mpi_local", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_mpi_barrier", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_mpi_bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        m.put("pl_mpi_reduce", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        m.put("pl_mpi_allreduce", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_mpi_allreduce_state", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_mpi_reduce_state", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        m.put("pl_mpi_gather", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT));
        m.put("pl_mpi_allgather", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        m.put("pl_mpi_abort", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        m.put("pl_mpi_error_string", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
        return m;
    }

    /** The functions that have a critical wrapper (for tests). */
    public static Set<String> criticalFunctions() {
        return Set.of();
    }
}
