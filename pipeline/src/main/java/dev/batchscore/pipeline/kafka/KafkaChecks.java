package dev.batchscore.pipeline.kafka;

import dev.batchscore.pipeline.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;

/**
 * Checks, before the job is built, that the brokers answer and every topic exists, so that a typo
 * is a one-line error naming the servers or the topic instead of a job that waits or fails late.
 */
public final class KafkaChecks {
    private static final int TOPICS_SHOWN = 10;

    private KafkaChecks() {}

    /**
     * Throws {@link ConfigException} when no broker answers within {@code timeout} or a topic is
     * missing.
     */
    public static void check(
            String bootstrapServers,
            List<String> topics,
            Properties clientProperties,
            Duration timeout) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        String ms = Long.toString(timeout.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        Set<String> existing;
        Admin admin;
        try {
            admin = Admin.create(props);
        } catch (KafkaException e) {
            throw unreachable(bootstrapServers, timeout, e);
        }
        try {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            existing =
                    new TreeSet<>(
                            admin.listTopics()
                                    .names()
                                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException e) {
            throw unreachable(bootstrapServers, timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while checking Kafka at " + bootstrapServers, e);
        } finally {
            // Do not wait for in-flight requests to a broker that does not answer.
            admin.close(Duration.ZERO);
        }
        for (String topic : topics) {
            if (!existing.contains(topic)) {
                List<String> shown =
                        new ArrayList<>(existing)
                                .subList(0, Math.min(TOPICS_SHOWN, existing.size()));
                throw new ConfigException(
                        "source.kafka.topic '"
                                + topic
                                + "' does not exist on "
                                + bootstrapServers
                                + "; existing topics: "
                                + (existing.isEmpty() ? "none" : String.join(", ", shown))
                                + (existing.size() > TOPICS_SHOWN ? ", ..." : "")
                                + ": fix the name or create the topic");
            }
        }
    }

    private static ConfigException unreachable(String servers, Duration timeout, Exception e) {
        Throwable cause =
                e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String why =
                cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new ConfigException(
                "source.kafka.bootstrap-servers '"
                        + servers
                        + "': no Kafka broker answered within "
                        + timeout.toSeconds()
                        + " s ("
                        + why.lines().findFirst().orElse(why)
                        + "): check the host:port list and that the brokers are running",
                e);
    }
}
