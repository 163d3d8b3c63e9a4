package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.LocalRpcSystem;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The warm JVM ({@code BATCHSCORE_WARM=on}): {@code ./batchscore run} hands its arguments to a JVM
 * that earlier runs left running, which runs them as {@link Main#run} would here and streams the
 * output back. A run then starts with its classes loaded and compiled, TensorFlow's library loaded
 * and Flink's RPC system up: the JVM's own start-up, its class loading and the JIT's first seconds
 * are paid once, not per run (docs/performance.md section 13).
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
    /** {@code BATCHSCORE_WARM=on} turns it on. */
    static final String ENV = "BATCHSCORE_WARM";

    /** Main's hidden first argument that makes a JVM the warm one, followed by its socket. */
    static final String SERVE = "--serve-warm-jvm";

    /** A warm JVM without a run for this long exits. */
    static final Duration IDLE = Duration.ofMinutes(15);

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    // Shell bookkeeping that changes between invocations without changing a run. The JVM option
    // variables are part of the JVM's input arguments, which the identity holds.
    private static final Set<String> IGNORED_ENV =
            Set.of(
                    "_",
                    "OLDPWD",
                    "PWD",
                    "SHLVL",
                    "TERM",
                    "COLUMNS",
                    "LINES",
                    "PS1",
                    "JAVA_TOOL_OPTIONS",
                    "JDK_JAVA_OPTIONS");

    // Frames from the warm JVM: a tag, then an int length and bytes (output), an int (the exit
    // code) or a long (its process id, when it takes the run).
    private static final byte OUT = 1;
    private static final byte ERR = 2;
    private static final byte EXIT = 3;
    private static final byte BUSY = 4;
    private static final byte STARTED = 5;

    // How long the warm JVM's shutdown hooks (Flink's clean-up) may take when it ends mid-run.
    private static final Duration EXIT_GRACE = Duration.ofSeconds(10);

    private WarmJvm() {}

    /**
     * Runs {@code args} in a warm JVM if {@link #ENV} is on and the command is {@code run},
     * starting one if there is none; its exit code, or empty when this JVM should run the command
     * itself (off, another command, the warm JVM busy or not starting).
     */
    static OptionalInt forward(String[] args, PrintStream out, PrintStream err) {
        // --verbose, the one global option, may stand before the command
        int command = args.length > 0 && args[0].equals("--verbose") ? 1 : 0;
        if (!"on".equals(System.getenv(ENV))
                || args.length <= command
                || !args[command].equals("run")) {
            return OptionalInt.empty();
        }
        Path socket;
        try {
            socket = socket();
        } catch (IOException | RuntimeException e) {
            err.println("batchscore: no warm JVM (" + e.getMessage() + "); running here");
            return OptionalInt.empty();
        }
        SocketChannel channel = connect(socket);
        if (channel == null) {
            channel = start(socket, err);
            if (channel == null) {
                return OptionalInt.empty();
            }
        }
        boolean[] started = new boolean[1];
        try (SocketChannel c = channel) {
            return exchange(c, args, out, err, started);
        } catch (IOException e) {
            if (!started[0]) {
                // It ended before it took the run (its idle time was up): nothing ran.
                err.println(
                        "batchscore: the warm JVM closed the connection ("
                                + e.getMessage()
                                + "); running here");
                return OptionalInt.empty();
            }
            err.println(
                    "batchscore run: the warm JVM ended during the run ("
                            + e.getMessage()
                            + "; its log: "
                            + log(socket)
                            + "), as a killed run ends: finish it with a resume run or its run"
                            + " id (README, Reruns and recovery)");
            return OptionalInt.of(1);
        }
    }

    /** Sends the arguments and copies the warm JVM's output here until its exit code. */
    private static OptionalInt exchange(
            SocketChannel channel,
            String[] args,
            PrintStream out,
            PrintStream err,
            boolean[] started)
            throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(request);
        data.writeInt(args.length);
        for (String arg : args) {
            data.writeUTF(arg);
        }
        writeFully(channel, ByteBuffer.wrap(request.toByteArray()));
        DataInputStream in = new DataInputStream(new ChannelInput(channel));
        while (true) {
            byte tag = in.readByte();
            switch (tag) {
                case STARTED -> {
                    started[0] = true;
                    err.println(
                            "batchscore run: in the warm JVM "
                                    + in.readLong()
                                    + " ("
                                    + ENV
                                    + "=on)");
                }
                case OUT, ERR -> {
                    byte[] bytes = new byte[in.readInt()];
                    in.readFully(bytes);
                    PrintStream to = tag == OUT ? out : err;
                    to.write(bytes, 0, bytes.length);
                    to.flush();
                }
                case EXIT -> {
                    return OptionalInt.of(in.readInt());
                }
                case BUSY -> {
                    err.println("batchscore: the warm JVM is busy with another run; running here");
                    return OptionalInt.empty();
                }
                default -> throw new IOException("unexpected frame " + tag);
            }
        }
    }

    /** Starts a warm JVM for {@code socket} and connects to it; null if it does not come up. */
    private static SocketChannel start(Path socket, PrintStream err) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.add(SERVE);
        command.add(socket.toString());
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(socket).toFile()));
        // Their contents are among the input arguments above already.
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            err.println(
                    "batchscore: cannot start a warm JVM (" + e.getMessage() + "); running here");
            return null;
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (process.isAlive() && System.nanoTime() < deadline) {
            SocketChannel channel = connect(socket);
            if (channel != null) {
                return channel;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Another invocation's warm JVM may have won the socket.
        SocketChannel channel = connect(socket);
        if (channel == null) {
            err.println(
                    "batchscore: the warm JVM did not start (" + log(socket) + "); running here");
        }
        return channel;
    }

    private static SocketChannel connect(Path socket) {
        if (!Files.exists(socket)) {
            return null;
        }
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * This invocation's socket: in the user's cache directory, named by a digest of what a run in
     * the warm JVM depends on besides its arguments: the java binary, the JVM's options, the class
     * path and its files' sizes and times, the working directory and the environment.
     */
    static Path socket() throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<String> parts = new ArrayList<>();
        parts.add(ProcessHandle.current().info().command().orElse("java"));
        parts.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File file = new File(entry);
            parts.add(entry + ":" + file.length() + ":" + file.lastModified());
        }
        parts.add(System.getProperty("user.dir"));
        new TreeMap<>(System.getenv())
                .forEach(
                        (key, value) -> {
                            if (!IGNORED_ENV.contains(key)) {
                                parts.add(key + "=" + value);
                            }
                        });
        for (String part : parts) {
            digest.update(part.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
        }
        String name = HexFormat.of().formatHex(digest.digest(), 0, 8);
        Path dir = LocalRpcSystem.cacheDirectory();
        Files.createDirectories(dir);
        return dir.resolve("warm-" + name + ".sock");
    }

    /** The warm JVM's own output (TensorFlow's native log lines, its start-up failures). */
    static Path log(Path socket) {
        return socket.resolveSibling(socket.getFileName().toString().replace(".sock", ".log"));
    }

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
                                        send(client, ByteBuffer.allocate(1).put(BUSY));
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
        SocketChannel live = connect(socket);
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
        String[] args = readRequest(client);
        InputStream in = new ChannelInput(client);
        send(client, ByteBuffer.allocate(9).put(STARTED).putLong(ProcessHandle.current().pid()));
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
        PrintStream out =
                new PrintStream(new FrameOutput(client, OUT), true, StandardCharsets.UTF_8);
        PrintStream err =
                new PrintStream(new FrameOutput(client, ERR), true, StandardCharsets.UTF_8);
        // Logging (log4j2-cli.xml's console appender follows System.err) goes to the client too.
        System.setOut(out);
        System.setErr(err);
        int exit = Main.run(args, InputStream.nullInputStream(), out, err);
        out.flush();
        err.flush();
        done.set(true);
        send(client, ByteBuffer.allocate(5).put(EXIT).putInt(exit));
    }

    /** The client's request: its arguments. */
    private static String[] readRequest(SocketChannel client) throws IOException {
        DataInputStream in = new DataInputStream(new ChannelInput(client));
        String[] args = new String[in.readInt()];
        for (int i = 0; i < args.length; i++) {
            args[i] = in.readUTF();
        }
        return args;
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
            writeFully(channel, frame);
        }
    }

    private static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * Reads a channel directly: {@code Channels.newInputStream} would hold the channel's blocking
     * lock while it waits, and so block the frames written to the same channel meanwhile.
     */
    private static final class ChannelInput extends InputStream {
        private final SocketChannel channel;

        ChannelInput(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n;
            do {
                n = channel.read(ByteBuffer.wrap(b, off, len));
            } while (n == 0);
            return n;
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
