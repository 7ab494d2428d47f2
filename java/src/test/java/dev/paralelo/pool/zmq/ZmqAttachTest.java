package dev.paralelo.pool.zmq;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.pool.Frames;
import dev.paralelo.pool.Hello;
import dev.paralelo.pool.WorkerPool;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every worker that connects gets through. JeroMQ's connecting side missed the pool's greeting
 * on about 1 connection in 50 here (TCP up, 10 greeting bytes unread, no handshake ever), and
 * such a worker never joined; {@link ZmqWorkerLink} now dials again until the pool is heard.
 */
class ZmqAttachTest {
    @Test
    void everyOneOfAHundredWorkersThatConnectsJoins() throws Exception {
        for (int i = 0; i < 100; i++) {
            try (WorkerPool p = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).start();
                    ZmqWorkerLink link = ZmqWorkerLink.connect(p.listenEndpoint(), ZmqSecurity.PLAIN)) {
                byte[] hello = Frames.encodeHello(new Hello(0, 1, ProcessHandle.current().pid()));
                assertTrue(link.send(hello, 0, hello.length, 1_000_000_000L));
                int n = i;
                assertTrue(Peers.await(() -> p.liveWorkers() == 1, 15), () -> "connection " + n + " to " + p.listenEndpoint() + " never joined");
            }
        }
    }
}
