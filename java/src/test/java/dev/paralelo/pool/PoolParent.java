package dev.paralelo.pool;

import java.util.stream.Collectors;

/** A parent process for PoolFaultTest: starts a pool, prints its workers' pids, then waits to be killed. */
public final class PoolParent {
    private PoolParent() {}

    public static void main(String[] args) throws Exception {
        WorkerPool pool = WorkerPool.builder().workers(2).threadsPerWorker(1).start();
        System.out.println("pids " + pool.workerPids().stream().map(String::valueOf).collect(Collectors.joining(" ")));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
