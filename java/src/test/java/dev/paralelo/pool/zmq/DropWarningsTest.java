package dev.paralelo.pool.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dropped-message warnings: at most 20 a minute, then one line with the count, and nothing lost from the count. */
class DropWarningsTest {
    private static final long S = 1_000_000_000L;

    @Test
    void aFloodIsTwentyLinesAndACountPerMinute() {
        List<String> lines = new ArrayList<>();
        DropWarnings d = new DropWarnings(lines::add);
        long t0 = 5 * S;
        for (int i = 0; i < 1000; i++) d.dropped(t0 + i * 1000L, "dropped a message from connection c: bad " + i);
        assertEquals(DropWarnings.PER_WINDOW, lines.size(), lines.toString());
        assertEquals("dropped a message from connection c: bad 0", lines.get(0));
        assertTrue(lines.get(19).startsWith("dropped a message from connection c: bad 19 (the next drops this minute are counted"),
                lines.get(19));
        d.tick(t0 + 30 * S); // within the minute: nothing yet
        assertEquals(DropWarnings.PER_WINDOW, lines.size());
        d.tick(t0 + 61 * S);
        assertEquals(DropWarnings.PER_WINDOW + 1, lines.size());
        assertEquals("dropped 980 more messages in the last 61 s without a warning each; the latest: "
                + "dropped a message from connection c: bad 999", lines.get(20));
        // A new minute writes again, one by one; a quiet minute writes nothing.
        d.dropped(t0 + 62 * S, "dropped a message from worker w: late");
        assertEquals("dropped a message from worker w: late", lines.get(21));
        d.tick(t0 + 200 * S);
        assertEquals(22, lines.size(), lines.toString());
    }

    @Test
    void closingWritesTheCountNotWrittenYet() {
        List<String> lines = new ArrayList<>();
        DropWarnings d = new DropWarnings(lines::add);
        for (int i = 0; i < 25; i++) d.dropped(i * S / 100, "dropped a message from connection c: x");
        d.flush(S);
        assertEquals(21, lines.size());
        assertEquals("dropped 5 more messages in the last 1 s without a warning each; the latest: dropped a message from connection c: x",
                lines.get(20));
        d.flush(2 * S); // once
        assertEquals(21, lines.size());
    }
}
