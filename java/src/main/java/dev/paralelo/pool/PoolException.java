package dev.paralelo.pool;

/**
 * A pool job that could not finish: a task failed on its array (missing, truncated, wrong type),
 * a kernel reported an error (an integer overflow), or every worker died. The pool stays usable
 * after a failed task; after every worker died only {@link WorkerPool#close()} is left.
 */
public final class PoolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message.
     *
     * @param message what failed: the task, the array and the reason
     */
    public PoolException(String message) {
        super(message);
    }

    /**
     * An exception with a message and a cause.
     *
     * @param message what failed: the task, the array and the reason
     * @param cause the exception that made the job fail
     */
    public PoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
