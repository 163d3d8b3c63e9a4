package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.UserCache;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The warm JVM's client: what {@code BATCHSCORE_WARM=on ./batchscore run} starts instead of the
 * run's own JVM. It hands the run's arguments to a warm JVM ({@link WarmJvm}), starting one if
 * there is none, and copies its output and exit code here. It is a small JVM that loads only JDK
 * classes (and this one), so the hand-over costs a few hundredths of a second where the run's own
 * JVM, with its class path and archive, took ~0.4 s to get that far.
 *
 * <p>The launcher sends it {@code run} commands only. Arguments: the command of the JVM that would
 * run the command here (the launcher's {@code java}, its options, class path and {@link Main}),
 * {@code --}, then the CLI's arguments. Exits with the run's exit code, or with {@link #RUN_HERE}
 * after saying why on stderr when the run belongs in that JVM after all (the warm JVM is busy, or
 * none could start); the launcher then starts it.
 */
public final class WarmClient {
    /** {@code BATCHSCORE_WARM=on} turns it on (the launcher reads it). */
    static final String ENV = "BATCHSCORE_WARM";

    /** Exit code: not served, run the command in its own JVM. No command of the CLI exits so. */
    static final int RUN_HERE = 100;

    // Frames from the warm JVM: a tag, then an int length and bytes (output), an int (the exit
    // code) or a long (its process id, when it takes the run).
    static final byte OUT = 1;
    static final byte ERR = 2;
    static final byte EXIT = 3;
    static final byte BUSY = 4;
    static final byte STARTED = 5;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    // How often the client checks that the launcher that started it still runs.
    private static final Duration PARENT_CHECK = Duration.ofMillis(100);

    // Shell bookkeeping that changes between invocations without changing a run.
    private static final Set<String> IGNORED_ENV =
            Set.of("_", "OLDPWD", "PWD", "SHLVL", "TERM", "COLUMNS", "LINES", "PS1");

    private WarmClient() {}

    public static void main(String[] args) {
        int dashes = Arrays.asList(args).indexOf("--");
        if (dashes < 1) {
            System.err.println("usage: WarmClient JVM-COMMAND... -- BATCHSCORE-ARGUMENTS...");
            System.exit(Cli.USAGE_EXIT_CODE);
        }
        endWithParent();
        System.exit(
                forward(
                        List.of(args).subList(0, dashes),
                        Arrays.copyOfRange(args, dashes + 1, args.length),
                        System.out,
                        System.err));
    }

    /**
     * Runs {@code args} in the warm JVM of {@code jvm} (a JVM started with that command), starting
     * it if there is none; its exit code, or {@link #RUN_HERE}.
     */
    static int forward(List<String> jvm, String[] args, PrintStream out, PrintStream err) {
        Path socket;
        try {
            socket = socket(jvm);
        } catch (IOException | RuntimeException e) {
            err.println("batchscore: no warm JVM (" + e.getMessage() + "); running here");
            return RUN_HERE;
        }
        SocketChannel channel = connect(socket);
        if (channel == null) {
            channel = start(jvm, socket, err);
            if (channel == null) {
                return RUN_HERE;
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
                return RUN_HERE;
            }
            err.println(
                    "batchscore run: the warm JVM ended during the run ("
                            + e.getMessage()
                            + "; its log: "
                            + log(socket)
                            + "), as a killed run ends: finish it with a resume run or its run"
                            + " id (README, Reruns and recovery)");
            return 1;
        }
    }

    /**
     * The launcher runs this client as its child: when the launcher is killed (a scheduler's kill,
     * SIGKILL), the client ends too, so the warm JVM sees the run's invoker gone and ends as the
     * run's own JVM would have.
     */
    private static void endWithParent() {
        ProcessHandle.current()
                .parent()
                .ifPresent(
                        parent -> {
                            Thread watch =
                                    new Thread(
                                            () -> {
                                                while (parent.isAlive()) {
                                                    try {
                                                        Thread.sleep(PARENT_CHECK.toMillis());
                                                    } catch (InterruptedException e) {
                                                        return;
                                                    }
                                                }
                                                Runtime.getRuntime().halt(1);
                                            },
                                            "batchscore-warm-parent");
                            watch.setDaemon(true);
                            watch.start();
                        });
    }

    /** Sends the arguments and copies the warm JVM's output here until its exit code. */
    private static int exchange(
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
        data.writeBoolean(out == System.out && System.console() != null);
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
                    return in.readInt();
                }
                case BUSY -> {
                    err.println("batchscore: the warm JVM is busy with another run; running here");
                    return RUN_HERE;
                }
                default -> throw new IOException("unexpected frame " + tag);
            }
        }
    }

    /** Starts a warm JVM of {@code jvm} on {@code socket} and connects; null if none comes up. */
    private static SocketChannel start(List<String> jvm, Path socket, PrintStream err) {
        List<String> command = new ArrayList<>();
        // A session of its own (setsid, where there is one): the warm JVM outlives the terminal and
        // the process group of the run that started it (a closed terminal's SIGHUP, a scheduler
        // that kills a task's group). A client that ends mid-run still ends it, by the socket.
        setsid().ifPresent(command::add);
        command.addAll(jvm);
        command.add(WarmJvm.SERVE);
        command.add(socket.toString());
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(socket).toFile()));
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

    private static Optional<String> setsid() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Arrays.stream(path.split(File.pathSeparator))
                .map(dir -> Path.of(dir, "setsid"))
                .filter(Files::isExecutable)
                .map(Path::toString)
                .findFirst();
    }

    static SocketChannel connect(Path socket) {
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
     * The socket of {@code jvm}'s warm JVM: in the user's cache directory, named by a digest of
     * what a run in it depends on besides its arguments: the JVM's command (java, its options,
     * class path and main class), the class path's files' sizes and times, the working directory
     * and the environment. Any difference gets a warm JVM of its own, so a rebuild gets a new one.
     */
    static Path socket(List<String> jvm) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<String> parts = new ArrayList<>(jvm);
        int cp = Math.max(jvm.indexOf("-cp"), jvm.indexOf("-classpath"));
        if (cp < 0 || cp + 1 >= jvm.size()) {
            throw new IllegalArgumentException("the JVM command has no -cp");
        }
        for (String entry : jvm.get(cp + 1).split(File.pathSeparator)) {
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
        Path dir = UserCache.directory();
        Files.createDirectories(dir);
        return dir.resolve("warm-" + name + ".sock");
    }

    /** The warm JVM's own output (TensorFlow's native log lines, its start-up failures). */
    static Path log(Path socket) {
        return socket.resolveSibling(socket.getFileName().toString().replace(".sock", ".log"));
    }

    static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * Reads a channel directly: {@code Channels.newInputStream} would hold the channel's blocking
     * lock while it waits, and so block the frames written to the same channel meanwhile.
     */
    static final class ChannelInput extends InputStream {
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
}
