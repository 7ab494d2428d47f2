/**
 * The worker pool's network transport, on ZeroMQ (JeroMQ, pure Java): workers on other machines,
 * or written in another language, attach to a pool that listens on {@code tcp://HOST:PORT}.
 *
 * <p>The parent binds a ROUTER socket and each worker connects a DEALER; the messages are the
 * frames of docs/PROTOCOL.md, one frame per message, plus two control messages shorter than any
 * frame: an empty message is a heartbeat (both ways), and the one byte {@code 0x43} tells the
 * workers that the pool closed. Heartbeats go every {@link ZmqTransport#HEARTBEAT_INTERVAL_NANOS};
 * a worker silent for {@link ZmqTransport#timeoutNanos()} (5 s, system property
 * {@code paralelo.zmq.timeoutMillis}) is dropped and its tasks are sent again, and a worker exits
 * when the pool is silent as long.
 *
 * <p>On any endpoint that is not a loopback address, CURVE authentication and encryption are on
 * unless the caller explicitly asks for plain text ({@code insecure}): the parent has a key pair
 * and admits only workers whose public key is in an allow list, a directory of {@code .key}
 * files ({@link CurveKeys}), through a ZAP handler.
 */
package dev.paralelo.pool.zmq;
