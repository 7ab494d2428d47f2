package dev.paralelo.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JVM's own fault on a truncated mapping is told apart from any other InternalError. */
class MappingFaultTest {
    @TempDir
    Path dir;

    @Test
    void aReadPastATruncationIsTheFaultAndAnotherErrorIsNot() throws Exception {
        Path p = dir.resolve("m");
        Files.write(p, new byte[1 << 16]);
        InternalError fault = null;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE); Arena a = Arena.ofConfined()) {
            MemorySegment s = ch.map(FileChannel.MapMode.READ_WRITE, 0, 1 << 16, a);
            ch.truncate(0);
            try {
                long sum = 0;
                for (long i = 0; i < s.byteSize(); i += 4096) sum += s.get(ValueLayout.JAVA_BYTE, i);
                throw new AssertionError("read a truncated mapping without a fault: " + sum);
            } catch (InternalError e) {
                fault = e;
            }
        }
        assertTrue(MappingFault.is(fault), fault.toString());
        assertSame(fault, MappingFault.orRethrow(fault));
        InternalError other = new InternalError("some other trouble of the JVM's");
        assertFalse(MappingFault.is(other));
        assertSame(other, assertThrows(InternalError.class, () -> MappingFault.orRethrow(other)), "rethrown as it is");
        assertTrue(MappingFault.is(new InternalError("wrapped", fault)), "a fault as the cause");
    }
}
