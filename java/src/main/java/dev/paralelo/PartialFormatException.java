package dev.paralelo;

/**
 * Bytes that are not a valid encoding of a partial state (docs/FORMAT.md, "Partial states"):
 * the message names the field that is wrong.
 */
public final class PartialFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what is wrong, naming the field
     */
    public PartialFormatException(String message) {
        super(message);
    }
}
