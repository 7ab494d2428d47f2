package dev.paralelo;

import dev.paralelo.kernel.JavaKernels;
import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.NativeKernels;
import java.util.stream.Stream;

/** Both kernel implementations, for parameterized tests. The native one must load. */
@SuppressWarnings("exports") // tests hand the unexported backends around
public final class Backends {
    private Backends() {}

    private static final KernelBackend NATIVE = loadNative();
    private static final KernelBackend JAVA = new JavaKernels();

    private static KernelBackend loadNative() {
        try {
            return new NativeKernels();
        } catch (UnsatisfiedLinkError e) {
            throw new AssertionError("the native library must load for the test suite (build it with "
                    + "./paralelo test, which runs CMake through Maven): " + e.getMessage(), e);
        }
    }

    /** The native implementation. */
    public static KernelBackend nativeKernels() {
        return NATIVE;
    }

    /** The pure-Java implementation. */
    public static KernelBackend javaKernels() {
        return JAVA;
    }

    /** Both, native first. */
    public static Stream<KernelBackend> all() {
        return Stream.of(NATIVE, JAVA);
    }
}
