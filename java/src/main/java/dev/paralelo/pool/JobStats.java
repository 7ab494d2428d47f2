package dev.paralelo.pool;

/**
 * What one pool job did.
 *
 * @param tasks the tasks the job had (each counted once, however often it was sent)
 * @param frames TASKS frames sent, resends included
 * @param reissued tasks sent again because their lease ran out or a worker died
 * @param duplicates results that arrived for a task already done, and were dropped
 * @param nanos wall time of the job, from the first frame sent to the last result merged
 */
public record JobStats(long tasks, long frames, long reissued, long duplicates, long nanos) {
    /**
     * Wall time in seconds.
     *
     * @return nanos / 10^9
     */
    public double seconds() {
        return nanos / 1e9;
    }

    /**
     * Tasks per second.
     *
     * @return tasks divided by seconds(), or 0 when no time was measured
     */
    public double tasksPerSecond() {
        return nanos == 0 ? 0 : tasks / seconds();
    }
}
