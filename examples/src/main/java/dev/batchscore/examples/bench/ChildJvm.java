package dev.batchscore.examples.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a main class in a new JVM with this JVM's classpath and options (without agents such as a
 * profiler), and returns its standard output; a non-zero exit is an exception with the output.
 */
final class ChildJvm {
    private ChildJvm() {}

    static String run(Class<?> main, List<String> args, Map<String, String> env) throws Exception {
        return run(main, List.of(), args, env);
    }

    /** As {@link #run(Class, List, Map)}, with {@code jvmArgs} after (so over) this JVM's own. */
    static String run(
            Class<?> main, List<String> jvmArgs, List<String> args, Map<String, String> env)
            throws Exception {
        List<String> command = new ArrayList<>(command(main, jvmArgs));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = pb.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = process.waitFor();
        if (code != 0) {
            throw new IllegalStateException(
                    main.getSimpleName() + " exited with " + code + ":\n" + out);
        }
        return out;
    }

    /**
     * The command line that starts {@code main} in a new JVM with this JVM's classpath and options
     * (without agents), {@code jvmArgs} after them; the caller appends the arguments.
     */
    static List<String> command(Class<?> main, List<String> jvmArgs) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentpath") && !arg.startsWith("-javaagent")) {
                command.add(arg);
            }
        }
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        return command;
    }

    /** The value of the last {@code key=value} line of {@code output}. */
    static String value(String output, String key) {
        String found = null;
        for (String line : output.split("\n")) {
            if (line.startsWith(key + "=")) {
                found = line.substring(key.length() + 1).trim();
            }
        }
        if (found == null) {
            throw new IllegalStateException("no " + key + "= line in:\n" + output);
        }
        return found;
    }
}
