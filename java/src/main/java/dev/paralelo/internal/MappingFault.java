package dev.paralelo.internal;

/**
 * The JVM's report of a fault on a mapped page: Java code (a pure-Java kernel, a ring's or a
 * counter's access) touched a page of a file that another process truncated away, and the JVM
 * turned the SIGBUS into an {@link InternalError} "a fault occurred in ... unsafe memory access
 * operation" (docs/FORMAT.md, "A file truncated while mapped"). Callers report that as a
 * truncation; any other InternalError is the JVM's own trouble, and they rethrow it as it is.
 */
public final class MappingFault {
    private MappingFault() {}

    /**
     * Whether e is that fault (its message, or its cause's, says so).
     *
     * @param e an error a mapped access threw
     * @return true for the JVM's fault on a mapped page
     */
    public static boolean is(InternalError e) {
        return says(e) || (e.getCause() != null && says(e.getCause()));
    }

    private static boolean says(Throwable t) {
        return String.valueOf(t.getMessage()).contains("fault occurred");
    }

    /**
     * Returns e when it is that fault, and throws it as it is when it is not.
     *
     * @param e an error a mapped access threw
     * @return e, a fault on a mapped page
     */
    public static InternalError orRethrow(InternalError e) {
        if (!is(e)) throw e;
        return e;
    }

    /**
     * The exception a call reports that fault as.
     *
     * @param e the JVM's fault on a mapped page ({@link #is})
     * @return an IllegalStateException that says the file was truncated, with e as its cause
     */
    public static IllegalStateException truncated(InternalError e) {
        return new IllegalStateException("an array's mapped file was truncated during the call (the JVM reported: "
                + e.getMessage() + ")", e);
    }
}
