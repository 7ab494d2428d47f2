#!/usr/bin/env python3
"""The talk's ZeroMQ task farm (../shared/seed, "mensajes indirectos"), ported to Python 3.

The recipe is the talk's own:
- 1<<22 float32 values (arange) in a numpy.memmap over /dev/shm;
- one worker process per core (multiprocessing);
- slices of 1024 elements sent as pickled slice objects over PUSH/PULL on the ipc transport;
- each worker sums its slice and PUSHes the pickled partial sum back;
- a collector thread sums the partials.

What changed for Python 3: cPickle -> pickle, xrange -> range, print(). One bug is fixed. The
talk writes slice(i, i+1<<10), which Python parses as slice(i, (i+1)<<10): the slices overlap
and the sum comes out as 2.4e16 instead of 8.8e12. This port writes slice(i, i + (1<<10)).

For a fair comparison with the Java pool, the workers start once and the job (first push to
last partial collected) runs WARMUP + RUNS times. Prints one JSON object: the median job time,
tasks/s, GB/s end to end, the result, and a single-process numpy sum's GB/s.

usage: talk_taskfarm.py [--workers N] [--runs R]
"""
import argparse
import json
import multiprocessing
import os
import pickle
import tempfile
import threading
import time

import numpy
import zmq

N = 1 << 22
SLICE = 1 << 10


def sumslice(path, queue, results):
    mdata = numpy.memmap(path, numpy.float32, mode="r")
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    pull.connect(queue)
    push.connect(results)
    while True:
        s = pickle.loads(pull.recv())
        if s is None:
            break
        push.send(pickle.dumps(mdata[s].sum()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=multiprocessing.cpu_count())
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()

    shm = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    path = os.path.join(shm, "paralelo-talk-%d.f32" % os.getpid())
    sockdir = tempfile.mkdtemp(prefix="paralelo-talk-")
    queue, results = "ipc://%s/queue" % sockdir, "ipc://%s/result" % sockdir
    try:
        with open(path, "w+b") as data:
            data.seek(N * 4)
            data.truncate()
        mdata = numpy.memmap(path, numpy.float32, mode="r+")
        mdata[:] = numpy.arange(N)

        ctx = zmq.Context()
        push = ctx.socket(zmq.PUSH)
        res = ctx.socket(zmq.PULL)
        push.bind(queue)
        res.bind(results)
        processes = [multiprocessing.Process(target=sumslice, args=(path, queue, results)) for _ in range(args.workers)]
        for p in processes:
            p.start()

        tasks = len(range(0, len(mdata), SLICE))
        times, total = [], None
        for run in range(args.warmup + args.runs):
            out = {}

            def collect():
                out["sum"] = sum(pickle.loads(res.recv()) for _ in range(tasks))

            t0 = time.perf_counter()
            collector = threading.Thread(target=collect)
            collector.start()
            for i in range(0, len(mdata), SLICE):
                push.send(pickle.dumps(slice(i, i + SLICE)))
            collector.join()
            dt = time.perf_counter() - t0
            total = float(out["sum"])
            if run >= args.warmup:
                times.append(dt)
        for _ in processes:
            push.send(pickle.dumps(None))
        for p in processes:
            p.join()

        numpy_times = []
        for _ in range(args.warmup + args.runs):
            t0 = time.perf_counter()
            mdata.sum()
            numpy_times.append(time.perf_counter() - t0)
        numpy_times = numpy_times[args.warmup:]

        times.sort()
        numpy_times.sort()
        med, nmed = times[len(times) // 2], numpy_times[len(numpy_times) // 2]
        print(json.dumps({
            "workers": args.workers, "tasks": tasks, "slice": SLICE, "seconds": med,
            "tasks_per_s": tasks / med, "gbps": N * 4 / med / 1e9, "result": total,
            "numpy_single_gbps": N * 4 / nmed / 1e9,
        }))
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        for f in ("queue", "result"):
            try:
                os.unlink(os.path.join(sockdir, f))
            except FileNotFoundError:
                pass
        os.rmdir(sockdir)


if __name__ == "__main__":
    main()
