package dev.paralelo.pool;

/**
 * The first frame a worker sends after connecting.
 *
 * @param worker the worker's index, as the pool started it (0 for a worker that attached)
 * @param threads the kernel threads the worker uses
 * @param pid the worker's process id
 * @param declines what the worker cannot run with the Java kernels' bits, as
 *     {@link WireFormat#DECLINE_MODE_SHIFT} and the other DECLINE bits say: a transport never
 *     gives it a frame with such a task (0: it runs everything, as every Java worker does)
 */
public record Hello(int worker, int threads, long pid, long declines) {
    /** A worker that runs every task. */
    public Hello(int worker, int threads, long pid) {
        this(worker, threads, pid, 0);
    }

    /** Whether this worker can run every task of batch (none of the batch's {@link Frames#needs} is declined). */
    public boolean accepts(long needs) {
        return (needs & declines) == 0;
    }
}
