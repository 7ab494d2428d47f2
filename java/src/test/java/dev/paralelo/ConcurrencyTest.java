package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Many Java threads calling kernels at once all get correct, reproducible results. */
class ConcurrencyTest {
    @Test
    void eightThreadsSumLargeArraysConcurrently() throws Exception {
        int n = 1 << 22;
        Kernels k = Kernels.defaults();
        List<F64Array> arrays = new ArrayList<>();
        List<Double> want = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            F64Array a = Data.f64(Data.illConditioned(n, 1000 + t));
            arrays.add(a);
            want.add(Kernels.using(Backends.javaKernels()).withThreads(1).sum(a));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 3; round++) {
                List<Future<Double>> got = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    F64Array a = arrays.get(t);
                    got.add(pool.submit(() -> k.sum(a)));
                }
                for (int t = 0; t < 8; t++) {
                    assertEquals(Double.doubleToRawLongBits(want.get(t)), Double.doubleToRawLongBits(got.get(t).get()),
                            "caller " + t + " round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
