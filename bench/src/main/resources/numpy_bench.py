"""numpy's side of the Paralelo benchmark report.

Reads cases "kernel dtype n" from stdin, one per line; prints one JSON object per case with the
median nanoseconds per call, null for a kernel numpy lacks (timeit-style: a warm-up, then 7
samples of at least 25 ms each).
Inputs match the Java side: uniform [0, 1) floats, integers in [-1e6, 1e6), ragged slices of
1..127 elements.
"""
import json
import sys
import time

import numpy as np

DT = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64}


def inputs(dtype, n):
    rng = np.random.default_rng(1234 + n)
    if dtype == "i32":
        x = rng.integers(-1_000_000, 1_000_000, size=n, dtype=np.int32)
        return x, x.copy()
    if dtype == "i64":
        x = rng.integers(-1_000_000_000_000, 1_000_000_000_000, size=n, dtype=np.int64)
        return x, x.copy()
    x = rng.random(n).astype(DT[dtype])
    y = rng.random(n).astype(DT[dtype])
    return x, y


def op(kernel, x, y):
    n = x.size
    if kernel == "sum":
        return lambda: x.sum()
    if kernel == "mean":
        return lambda: x.mean()
    if kernel == "variance":
        return lambda: x.var()
    if kernel == "dot":
        return lambda: np.dot(x, y)
    if kernel == "min":
        return lambda: x.min()
    if kernel == "add":
        out = np.empty_like(x)
        return lambda: np.add(x, y, out=out)
    if kernel.startswith("slice-sum-"):
        k = int(kernel[len("slice-sum-"):])
        idx = np.arange(0, n, k)
        return lambda: np.add.reduceat(x, idx)
    if kernel == "ragged-sum":
        rng = np.random.default_rng(n)
        idx = np.cumsum(rng.integers(1, 128, size=max(1, n // 64))) - 1
        idx = np.concatenate([[0], idx[idx < n][:-1] + 1])
        return lambda: np.add.reduceat(x, idx)
    return None


WARM, SAMPLE = (0.01, 0.001) if "--smoke" in sys.argv else (0.15, 0.025)


def median_ns(f):
    reps = 1
    end = time.perf_counter() + WARM
    batch = 0
    while batch < 3 or time.perf_counter() < end:
        t0 = time.perf_counter()
        for _ in range(reps):
            f()
        if time.perf_counter() - t0 < SAMPLE:
            reps *= 2
        batch += 1
    samples = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(reps):
            f()
        samples.append((time.perf_counter() - t0) / reps)
    samples.sort()
    return samples[3] * 1e9


def main():
    # One line out for every line in, so that the report may ask for a case and wait for its
    # answer ("ns": null when numpy has no such kernel). The last inputs are kept: the report
    # asks for the same case several times, alternating with its own measurement of it.
    last = None
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 3:
            print(json.dumps({"kernel": None, "dtype": None, "n": 0, "ns": None}), flush=True)
            continue
        kernel, dtype, n = parts[0], parts[1], int(parts[2])
        if last is None or last[0] != (dtype, n):
            last = None  # the old arrays go before the new ones are made
            last = ((dtype, n), inputs(dtype, n))
        x, y = last[1]
        f = op(kernel, x, y)
        ns = None if f is None else median_ns(f)
        print(json.dumps({"kernel": kernel, "dtype": dtype, "n": n, "ns": ns,
                          "numpy": np.__version__}), flush=True)


if __name__ == "__main__":
    main()
