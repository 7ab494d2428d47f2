package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.ConfigurationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default thread count's sources, in order: -Dparalelo.threads, PARALELO_THREADS, OMP_NUM_THREADS, the cores. */
class ThreadSettingTest {
    @Test
    void nothingSetMeansOnePerCore() {
        assertEquals(new ThreadSetting(6, "one per core"), ThreadSetting.read(null, Map.of(), 6));
        assertEquals(6, ThreadSetting.read(null, Map.of("OMP_NUM_THREADS", " "), 6).threads(), "blank is unset");
    }

    @Test
    void propertyThenVariableThenOpenMp() {
        Map<String, String> env = Map.of("PARALELO_THREADS", "3", "OMP_NUM_THREADS", "5");
        assertEquals(new ThreadSetting(2, "-Dparalelo.threads=2"), ThreadSetting.read("2", env, 8));
        assertEquals(new ThreadSetting(3, "PARALELO_THREADS=3"), ThreadSetting.read(null, env, 8));
        assertEquals(new ThreadSetting(5, "OMP_NUM_THREADS=5"), ThreadSetting.read(null, Map.of("OMP_NUM_THREADS", "5"), 8));
        assertEquals(4, ThreadSetting.read(null, Map.of("OMP_NUM_THREADS", "4,2"), 8).threads(), "the outer level of a nested list");
    }

    @Test
    void zeroMeansTheDefaultForParalelosSettings() {
        assertEquals(8, ThreadSetting.read("0", Map.of("OMP_NUM_THREADS", "2"), 8).threads());
        assertEquals(8, ThreadSetting.read(null, Map.of("PARALELO_THREADS", "0"), 8).threads());
    }

    @Test
    void badValuesAreErrorsNamingTheSetting() {
        for (String[] c : new String[][] {{"-Dparalelo.threads", "x"}, {"-Dparalelo.threads", "-1"}}) {
            var e = assertThrows(ConfigurationException.class, () -> ThreadSetting.read(c[1], Map.of(), 4));
            assertTrue(e.getMessage().startsWith(c[0] + "='" + c[1] + "'"), e.getMessage());
        }
        assertThrows(ConfigurationException.class, () -> ThreadSetting.read(null, Map.of("PARALELO_THREADS", "two"), 4));
        assertThrows(ConfigurationException.class, () -> ThreadSetting.read(null, Map.of("OMP_NUM_THREADS", "0"), 4));
    }

    @Test
    void withThreadsZeroIsTheDefault() {
        assertEquals(Kernels.defaultThreads(), Kernels.defaults().withThreads(0).threads());
        assertThrows(IllegalArgumentException.class, () -> Kernels.defaults().withThreads(-1));
    }
}
