package dev.paralelo;

/**
 * A check that memory behind an array may still be used, run before every kernel call and every
 * bulk copy on the array. Mapped files use it to refuse work on a file that another process
 * truncated: touching a mapped page past the end of its file raises SIGBUS, which native code
 * cannot survive (see docs/FORMAT.md).
 */
@FunctionalInterface
public interface AccessCheck {
    /** Returns normally if the memory can be used; throws IllegalStateException saying why not. */
    void check();
}
