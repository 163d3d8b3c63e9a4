package dev.batchscore.sql;

import java.io.Serializable;
import java.time.Duration;
import java.util.Set;

/**
 * How a {@code CREATE MODEL}'s SavedModel is loaded and fed, as its options say: checked at
 * planning ({@link ModelSchemaCheck.Settings}) and shipped to every task ({@link ModelBinding}).
 *
 * @param signature the signature key
 * @param tags the meta graph tag set
 * @param intraOpThreads TensorFlow intra-op threads, 0 = TensorFlow's choice
 * @param interOpThreads TensorFlow inter-op threads, 0 = TensorFlow's choice
 * @param batchSize rows per model call
 * @param maxDelay how long a batch waits for more rows after its first
 */
record ScoringSettings(
        String signature,
        Set<String> tags,
        int intraOpThreads,
        int interOpThreads,
        int batchSize,
        Duration maxDelay)
        implements Serializable {
    ScoringSettings {
        tags = Set.copyOf(tags);
    }
}
