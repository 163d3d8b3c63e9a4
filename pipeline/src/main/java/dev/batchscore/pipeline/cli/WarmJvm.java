package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.ProgressLine;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The warm JVM ({@code BATCHSCORE_WARM=on}): {@code ./batchscore run} hands its arguments, through
 * a small client ({@link WarmClient}), to a JVM that earlier runs left running, which runs them as
 * {@link Main#run} would here and streams the output back. A run then starts with its classes
 * loaded and compiled, TensorFlow's library loaded and Flink's RPC system up: the JVM's own
 * start-up, its class loading and the JIT's first seconds are paid once, not per run
 * (docs/performance.md section 13).
 *
 * <p>What a run does and guarantees is the same: the same code runs the same way, one run at a time
 * (a second concurrent run finds the warm JVM busy and runs in its own JVM, as without it). A warm
 * JVM serves only invocations of the same build, JVM options, working directory and environment;
 * any other starts a warm JVM of its own. When the invoking process ends before the run does
 * (Ctrl-C, a kill), the warm JVM ends at once, as the run's own JVM would, and the run is finished
 * as any killed run is (a {@code resume} run, or its run id again). A warm JVM exits after {@link
 * #IDLE} without a run. JVM-wide settings come from its first run, as for any JVM that runs several
 * jobs (TensorFlow's intra-op thread pool, {@code model.intra-op-threads}).
 */
final class WarmJvm {
    /** Main's hidden first argument that makes a JVM the warm one, followed by its socket. */
    static final String SERVE = "--serve-warm-jvm";

    /** A warm JVM without a run for this long exits. */
    static final Duration IDLE = Duration.ofMinutes(15);

    // How long the warm JVM's shutdown hooks (Flink's clean-up) may take when it ends mid-run.
    private static final Duration EXIT_GRACE = Duration.ofSeconds(10);

    private WarmJvm() {}

    /** Its process id, for tools that watch it (the bench counts its CPU time). */
    static Path pidFile(Path socket) {
        return socket.resolveSibling(socket.getFileName().toString().replace(".sock", ".pid"));
    }

    /** The warm JVM: serves runs on {@code socket}, one at a time, until {@link #IDLE} passes. */
    static void serve(Path socket) throws IOException {
        ServerSocketChannel server = bind(socket);
        if (server == null) {
            return; // another warm JVM serves this socket
        }
        Files.writeString(pidFile(socket), Long.toString(ProcessHandle.current().pid()));
        PrintStream ownOut = System.out;
        PrintStream ownErr = System.err;
        AtomicBoolean busy = new AtomicBoolean();
        AtomicLong idleSince = new AtomicLong(System.nanoTime());
        Thread idle =
                new Thread(
                        () -> {
                            while (true) {
                                try {
                                    Thread.sleep(1_000);
                                } catch (InterruptedException e) {
                                    return;
                                }
                                if (System.nanoTime() - idleSince.get() > IDLE.toNanos()
                                        && busy.compareAndSet(false, true)) {
                                    // busy from here on: a client that connects now is turned
                                    // away and runs in its own JVM
                                    quit(socket);
                                    Runtime.getRuntime().halt(0);
                                }
                            }
                        },
                        "batchscore-warm-idle");
        idle.setDaemon(true);
        idle.start();
        while (true) {
            SocketChannel client = server.accept();
            if (!busy.compareAndSet(false, true)) {
                // Read the request before the answer: a connection closed while the client still
                // writes would fail its write instead of telling it why.
                Thread turnAway =
                        new Thread(
                                () -> {
                                    try (client) {
                                        readRequest(client);
                                        send(client, ByteBuffer.allocate(1).put(WarmClient.BUSY));
                                    } catch (IOException e) {
                                        // the client left
                                    }
                                },
                                "batchscore-warm-busy");
                turnAway.setDaemon(true);
                turnAway.start();
                continue;
            }
            Thread run =
                    new Thread(
                            () -> {
                                try (client) {
                                    serveOne(client, socket, ownErr);
                                } catch (IOException | RuntimeException e) {
                                    e.printStackTrace(ownErr);
                                } finally {
                                    System.setOut(ownOut);
                                    System.setErr(ownErr);
                                    idleSince.set(System.nanoTime());
                                    busy.set(false);
                                }
                            },
                            "batchscore-warm-run");
            run.start();
        }
    }

    /** Binds {@code socket}, or null if a live warm JVM holds it already. */
    private static ServerSocketChannel bind(Path socket) throws IOException {
        SocketChannel live = WarmClient.connect(socket);
        if (live != null) {
            live.close();
            return null;
        }
        Files.deleteIfExists(socket); // a warm JVM that died left it
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        // Only this user may hand it runs.
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        return server;
    }

    private static void serveOne(SocketChannel client, Path socket, PrintStream ownErr)
            throws IOException {
        Request request = readRequest(client);
        InputStream in = new WarmClient.ChannelInput(client);
        send(
                client,
                ByteBuffer.allocate(9)
                        .put(WarmClient.STARTED)
                        .putLong(ProcessHandle.current().pid()));
        AtomicBoolean done = new AtomicBoolean();
        // The invoking process ended (Ctrl-C, a kill): end as the run's own JVM would have.
        Thread watch =
                new Thread(
                        () -> {
                            try {
                                while (in.read() >= 0) {
                                    // the client sends nothing more
                                }
                            } catch (IOException e) {
                                // gone as well
                            }
                            if (!done.get()) {
                                ownErr.println(
                                        "batchscore warm JVM: the invoking process ended during the"
                                                + " run; exiting");
                                quit(socket);
                                exit(130);
                            }
                        },
                        "batchscore-warm-watch");
        watch.setDaemon(true);
        watch.start();
        // The progress line is redrawn in place when the client prints to a terminal.
        FrameOutput stdout = new FrameOutput(client, WarmClient.OUT);
        PrintStream out =
                request.terminal()
                        ? ProgressLine.onTerminal(stdout)
                        : new PrintStream(stdout, true, StandardCharsets.UTF_8);
        PrintStream err =
                new PrintStream(
                        new FrameOutput(client, WarmClient.ERR), true, StandardCharsets.UTF_8);
        // Logging (log4j2-cli.xml's console appender follows System.err) goes to the client too.
        System.setOut(out);
        System.setErr(err);
        int exit = Main.run(request.args(), InputStream.nullInputStream(), out, err);
        out.flush();
        err.flush();
        done.set(true);
        send(client, ByteBuffer.allocate(5).put(WarmClient.EXIT).putInt(exit));
    }

    /** The client's request: its arguments, and whether its standard output is a terminal. */
    private record Request(String[] args, boolean terminal) {}

    private static Request readRequest(SocketChannel client) throws IOException {
        DataInputStream in = new DataInputStream(new WarmClient.ChannelInput(client));
        String[] args = new String[in.readInt()];
        for (int i = 0; i < args.length; i++) {
            args[i] = in.readUTF();
        }
        return new Request(args, in.readBoolean());
    }

    /** Exits as a JVM sent SIGINT would (shutdown hooks run), or halts if they hang. */
    private static void exit(int code) {
        Thread halt =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(EXIT_GRACE.toMillis());
                            } catch (InterruptedException e) {
                                // halt anyway
                            }
                            Runtime.getRuntime().halt(code);
                        },
                        "batchscore-warm-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(code);
    }

    private static void quit(Path socket) {
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(pidFile(socket));
        } catch (IOException e) {
            // best effort: a stale socket is replaced by the next warm JVM
        }
    }

    /**
     * Writes one whole frame, {@code frame} filled up to its position: frames written from the run
     * and from its output streams never interleave within a frame.
     */
    private static void send(SocketChannel channel, ByteBuffer frame) throws IOException {
        frame.flip();
        synchronized (channel) {
            WarmClient.writeFully(channel, frame);
        }
    }

    /** Output as frames of one tag, each write one frame; frames of both tags interleave whole. */
    private static final class FrameOutput extends OutputStream {
        private final SocketChannel channel;
        private final byte tag;

        FrameOutput(SocketChannel channel, byte tag) {
            this.channel = channel;
            this.tag = tag;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer frame = ByteBuffer.allocate(5 + len).put(tag).putInt(len).put(b, off, len);
            send(channel, frame);
        }
    }
}
