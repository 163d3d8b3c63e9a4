package dev.batchscore.examples.bench;

import dev.batchscore.examples.demo.Demo;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * The demo's embedded KRaft broker in a JVM of its own, so that a measured run shares the machine
 * with a broker as it would in a deployment, but not its JVM: prints {@code bootstrap=HOST:PORT}
 * and serves until its standard input closes. Argument: the broker's directory.
 */
public final class BrokerChild {
    private BrokerChild() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        try (KafkaClusterTestKit kafka = Demo.startKafka(Path.of(args[0]))) {
            out.println("bootstrap=" + kafka.bootstrapServers());
            out.flush();
            // The parent closes our stdin (or dies): time to go.
            while (System.in.read() >= 0) {
                // nothing to read but the end
            }
        }
        System.exit(0);
    }
}
