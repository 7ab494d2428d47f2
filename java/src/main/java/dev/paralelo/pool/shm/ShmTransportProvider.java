package dev.paralelo.pool.shm;

import dev.paralelo.pool.Transport;
import dev.paralelo.pool.TransportProvider;
import dev.paralelo.pool.WorkerLink;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;

/**
 * The {@code shm} transport: a ring file in {@link SharedArray#directory()} (/dev/shm), with
 * {@link RingGeometry#DEFAULT}'s slots and the frame limit the pool asks for.
 */
public final class ShmTransportProvider implements TransportProvider {
    /** The provider ({@link java.util.ServiceLoader} needs a public no-argument constructor). */
    public ShmTransportProvider() {}

    @Override
    public String scheme() {
        return "shm";
    }

    @Override
    public Transport create(int workers, int maxFrameBytes) throws IOException {
        RingGeometry d = RingGeometry.DEFAULT;
        int slots = d.slots();
        while ((long) slots * d.slotBytes() < 2L * maxFrameBytes) slots *= 2; // two frames always fit
        return ShmTransport.create(SharedArray.directory(), new RingGeometry(d.slotBytes(), slots, maxFrameBytes));
    }

    @Override
    public WorkerLink connect(String endpoint) throws IOException {
        return ShmWorkerLink.connect(endpoint);
    }
}
