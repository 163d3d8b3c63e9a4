package dev.batchscore.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.types.TString;

/**
 * A DT_STRING input takes a record's bytes as {@code byte[]} as they are (source.format raw):
 * binary values, which no String could carry, reach the graph byte for byte.
 */
class RawBytesScoringTest {

    @Test
    void byteArraysFeedAStringInputUnchanged(@TempDir Path tmp) throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("m/1"),
                        (m, tf) ->
                                m.output(
                                        "len",
                                        tf.strings.stringLength(
                                                m.input("data", TString.class, -1))));
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            BatchScorer scorer = model.scorer("serving_default");
            byte[] binary = {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff, (byte) 0xfe};
            ScoreResult r =
                    scorer.score(
                            List.of(
                                    Map.of("data", binary),
                                    Map.of("data", "héllo".getBytes(StandardCharsets.UTF_8)),
                                    Map.of("data", new byte[0])));
            for (int i = 0; i < 3; i++) {
                assertThat(r.ok(i)).as("row %d: %s", i, r.error(i)).isTrue();
            }
            // strings.length counts bytes: nothing was re-encoded on the way
            assertThat(r.outputs(0).get("len")).isEqualTo(7);
            assertThat(r.outputs(1).get("len")).isEqualTo(6);
            assertThat(r.outputs(2).get("len")).isEqualTo(0);
        }
    }
}
