package dev.paralelo.pool;

/**
 * A frame that is not valid in the wire format (docs/PROTOCOL.md): the message names the field
 * that is wrong, for instance "frame: length 40 but 36 bytes arrived" or "task 3: unknown kernel
 * 9".
 */
public final class ProtocolException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message naming the field.
     *
     * @param message the field that is wrong and why, e.g. "task 3: unknown kernel 9"
     */
    public ProtocolException(String message) {
        super(message);
    }
}
