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
    /**
     * A worker that runs every task (declines 0).
     *
     * @param worker the worker's index, as the pool started it (0 for a worker that attached)
     * @param threads the kernel threads the worker uses, at least 1
     * @param pid the worker's process id, above 0
     */
    public Hello(int worker, int threads, long pid) {
        this(worker, threads, pid, 0);
    }

    /**
     * Whether this worker can run every task of a batch.
     *
     * @param needs the batch's DECLINE bits, as {@link Frames#needs} computes them
     * @return true when none of those bits is among the worker's declines
     */
    public boolean accepts(long needs) {
        return (needs & declines) == 0;
    }
}
