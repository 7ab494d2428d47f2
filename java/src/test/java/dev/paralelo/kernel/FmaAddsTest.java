package dev.paralelo.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The default of -Dparalelo.vector.fmaAdds: the CPU's FMA, unless a JVM option turns HotSpot's use of it off. */
class FmaAddsTest {
    @Test
    void theSettingWins() {
        assertTrue(FmaAdds.decide("true", false, List.of("-XX:-UseFMA")));
        assertFalse(FmaAdds.decide("false", true, List.of()));
    }

    @Test
    void theDefaultFollowsTheCpuAndTheJvmOptions() {
        assertTrue(FmaAdds.decide(null, true, List.of("java", "-Xmx1g", "-cp", "x", "Main")));
        assertFalse(FmaAdds.decide(null, false, List.of()), "no FMA on the CPU");
        assertFalse(FmaAdds.decide(null, true, List.of("-XX:-UseFMA")), "HotSpot told not to use FMA");
        assertFalse(FmaAdds.decide(null, true, List.of("-XX:UseAVX=0")), "no AVX, so no FMA in HotSpot");
        assertTrue(FmaAdds.decide(null, true, List.of("-XX:UseAVX=2")));
        assertTrue(FmaAdds.decide(null, true, List.of("-XX:-UseFMA", "-XX:+UseFMA")), "the later option wins");
        assertFalse(FmaAdds.decide(null, true, List.of("-XX:UseAVX=3", "-XX:UseAVX=0")), "the later option wins");
    }
}
