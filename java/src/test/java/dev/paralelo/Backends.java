package dev.paralelo;

import dev.paralelo.kernel.JavaKernels;
import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.KernelProvider;
import dev.paralelo.kernel.NativeKernels;
import java.util.stream.Stream;

/**
 * The three kernel implementations, for parameterized tests: native, Vector API and scalar Java.
 * The native one must load and the Vector API module must be resolved (the build's surefire
 * adds it); a missing one fails the tests with the fix rather than skipping them.
 */
@SuppressWarnings("exports") // tests hand the unexported backends around
public final class Backends {
    private Backends() {}

    private static final KernelBackend NATIVE = loadNative();
    private static final KernelBackend JAVA = new JavaKernels();
    private static final KernelBackend VECTOR = loadVector();

    private static KernelBackend loadVector() {
        KernelBackend v = KernelProvider.vector();
        if (v == null) throw new AssertionError("the Vector API kernels must run for the test suite: " + KernelProvider.vectorMissing());
        return v;
    }

    private static KernelBackend loadNative() {
        try {
            return new NativeKernels(false); // every call downcalls: the C kernels are what is tested
        } catch (UnsatisfiedLinkError e) {
            throw new AssertionError("the native library must load for the test suite (build it with "
                    + "./paralelo test, which runs CMake through Maven): " + e.getMessage(), e);
        }
    }

    /** The native implementation. */
    public static KernelBackend nativeKernels() {
        return NATIVE;
    }

    /** The scalar pure-Java implementation. */
    public static KernelBackend javaKernels() {
        return JAVA;
    }

    /** The pure-Java implementation on the Vector API (the JVM's preferred width). */
    public static KernelBackend vectorKernels() {
        return VECTOR;
    }

    /** All three, native first. */
    public static Stream<KernelBackend> all() {
        return Stream.of(NATIVE, VECTOR, JAVA);
    }
}
