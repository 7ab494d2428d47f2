/**
 * Paralelo: every core from plain Java, through C/OpenMP kernels over off-heap arrays (or their
 * pure-Java twins, which give the same bits).
 *
 * <p>The API is {@code dev.paralelo} (typed off-heap arrays, the kernel facade, parallelism
 * settings), {@code dev.paralelo.shm} (arrays in shared memory, cross-process atomics) and
 * {@code dev.paralelo.pool} (worker processes, the wire format, the transport interface, with
 * its transports {@code .shm} and {@code .zmq}) and {@code dev.paralelo.mpi} (MPI ranks, and
 * reductions of an array whose parts they hold). The kernel implementations
 * ({@code dev.paralelo.kernel}), the internal helpers ({@code dev.paralelo.internal} and the
 * native bindings in {@code .internal.ffi}) and the command line ({@code dev.paralelo.cli}) are
 * not exported.
 *
 * <p>The module calls native code, so a JVM that runs it on the module path needs
 * {@code --enable-native-access=dev.paralelo}. On the class path (the launcher's
 * {@code java -jar}, the benchmarks' shaded jar) it is {@code --enable-native-access=ALL-UNNAMED},
 * which the jar's {@code Enable-Native-Access} manifest entry grants by itself under
 * {@code java -jar}.
 */
module dev.paralelo {
    // Optional: the Vector API kernels load only when the module is resolved
    // (--add-modules jdk.incubator.vector); without it the library runs native or scalar.
    requires static jdk.incubator.vector;
    // Optional: only the command line (dev.paralelo.cli) uses it; the launcher's -cli jar bundles it.
    requires static info.picocli;
    // The network transport of the worker pool (dev.paralelo.pool.zmq).
    requires org.zeromq.jeromq;

    exports dev.paralelo;
    exports dev.paralelo.shm;
    exports dev.paralelo.pool;
    exports dev.paralelo.pool.shm;
    exports dev.paralelo.mpi;
    exports dev.paralelo.pool.zmq;

    // picocli fills the commands' annotated fields by reflection.
    opens dev.paralelo.cli to info.picocli;

    // Transports of the worker pool, found by endpoint scheme.
    uses dev.paralelo.pool.TransportProvider;
    provides dev.paralelo.pool.TransportProvider with dev.paralelo.pool.shm.ShmTransportProvider,
            dev.paralelo.pool.zmq.ZmqTransportProvider;
}
