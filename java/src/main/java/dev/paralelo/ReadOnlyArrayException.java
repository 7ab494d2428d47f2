package dev.paralelo;

/**
 * A write to read-only data: an element set, an atomic update, or a kernel's output, on an
 * array that was opened or viewed read-only ({@code SharedArray.open(name, Access.READ_ONLY)}, or
 * wrapped from a read-only segment). Every such write raises this one type, before anything is
 * written. It is an {@link UnsupportedOperationException}, as the JDK's read-only views throw.
 */
public final class ReadOnlyArrayException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what was written, and why it is read-only
     */
    public ReadOnlyArrayException(String message) {
        super(message);
    }
}
