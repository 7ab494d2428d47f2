package dev.paralelo.pool;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One record of a RESULTS frame: a task's id, its status, and a payload (the partial state's
 * encoding when the status is OK, a UTF-8 message otherwise).
 *
 * @param taskId the id of the task this answers
 * @param status {@link WireFormat#STATUS_OK} or one of the error statuses
 * @param payload the state's bytes or the message's (not copied)
 */
public record Result(long taskId, int status, byte[] payload) {
    /** Checks the fields. */
    public Result {
        Objects.requireNonNull(payload, "payload");
    }

    /**
     * A failed task's result with a message.
     *
     * @param taskId the id of the task that failed
     * @param status the error status, one of {@link WireFormat}'s {@code STATUS_*} codes other than
     *     {@link WireFormat#STATUS_OK}
     * @param message what went wrong, carried as UTF-8
     * @return the result, whose payload is the message's bytes
     */
    public static Result error(long taskId, int status, String message) {
        return new Result(taskId, status, message.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The payload as text (the message of a failed task).
     *
     * @return the payload decoded as UTF-8; malformed bytes become U+FFFD
     */
    public String message() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
