package dev.batchscore.pipeline;

import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.ScoringSpec;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.SourceSettings;
import dev.batchscore.pipeline.kafka.KafkaChecks;
import dev.batchscore.pipeline.kafka.TopicSampler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Step 2 of {@link JobPlan#check}: the brokers answer, the topics exist, and the model's input
 * mapping fits records sampled from the topics. The topics are sampled once; the same records later
 * give the passthrough fields when they are inferred.
 */
final class KafkaPreflight {
    /** How long the pre-flight check waits for a Kafka broker to answer. */
    static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(10);

    private static final int SAMPLE_PER_PARTITION = 5;
    private static final Duration SAMPLE_TIMEOUT = Duration.ofSeconds(30);

    private KafkaPreflight() {}

    /** Checks that the brokers answer and the topics exist; returns records sampled from them. */
    static List<byte[]> sample(SourceSettings source) {
        KafkaChecks.check(
                source.bootstrapServers(),
                source.topics(),
                source.clientProperties(),
                KAFKA_TIMEOUT);
        return TopicSampler.sampleRecords(
                source.bootstrapServers(),
                source.topics(),
                source.clientProperties(),
                SAMPLE_PER_PARTITION,
                SAMPLE_TIMEOUT);
    }

    /** Checks the model's input mapping against the {@link #sample sampled} records. */
    static void checkMapping(
            SourceSettings source,
            List<FieldSpec> fields,
            Optional<String> exampleInput,
            ScoringSpec draft,
            List<byte[]> samples) {
        try {
            source.format()
                    .checkInputs(draft.readerSpec(fields, exampleInput.orElse(null)), samples);
        } catch (FormatException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }
}
