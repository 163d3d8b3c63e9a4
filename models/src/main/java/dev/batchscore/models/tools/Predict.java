package dev.batchscore.models.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.RecordError;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code batchscore predict} does (its arguments are parsed by the CLI in the pipeline
 * module): scores a JSON Lines file locally, without Flink, through the same {@link BatchScorer}
 * the job uses.
 *
 * <p>Each input line is one JSON object whose fields are named by the signature's inputs (or, for a
 * signature that takes serialized {@code tf.Example}s, by the features it parses). Each produces
 * exactly one output line, in input order: the input's fields followed by every output of the
 * signature (an output replaces an input field of the same name). Vectors are JSON arrays; {@code
 * DT_FLOAT} values are printed as the shortest decimal that reads back as the same float, so {@code
 * 0.5 * 1 + 2} prints {@code 2.5}. Blank lines are skipped.
 *
 * <p>A line that cannot be scored is data, not a crash: its output line is {@code {"_error":
 * "<stage>: <reason>", "_line": n}} (stage {@code decode} for bad JSON, {@code encode} or {@code
 * score} from the scorer), a warning naming the line goes to stderr, the other lines are still
 * scored, and the exit code is 1 at the end. Otherwise it is 0.
 */
public final class Predict {

    public static final int DEFAULT_BATCH_SIZE = 256;
    static final String ERROR_FIELD = "_error";
    static final String LINE_FIELD = "_line";

    // Trailing tokens are refused so that two objects run together on one line are an error
    // rather than a silently dropped second record.
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private Predict() {}

    /**
     * Scores {@code input} (a JSON Lines file, or {@code in} for {@code -}) with the signature
     * {@code signature} of the model at {@code modelDir}, loaded with the tag set {@code tags}, in
     * model calls of at most {@code batchSize} records, and writes one JSON line per input line to
     * {@code out}; warnings go to {@code err}.
     *
     * @return 0 when every line was scored, 1 when some failed (each one has an error line)
     * @throws IllegalArgumentException when the input cannot be opened
     * @throws ModelException when the model cannot be loaded or the signature cannot be used
     */
    public static int run(
            Path modelDir,
            String signature,
            Set<String> tags,
            int batchSize,
            String input,
            InputStream in,
            PrintStream out,
            PrintStream err) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        // Open the input before loading the model: a typo in the path should not cost a load.
        try (BufferedReader reader = open(input, in);
                SavedModel model =
                        ModelRegistry.acquire(modelDir, ModelOptions.defaults().withTags(tags))) {
            Run run = new Run(model.scorer(signature), batchSize, out, err);
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                run.add(lineNumber, line);
            }
            run.flush();
            if (run.failed > 0) {
                err.printf(
                        "predict: %d of %d records failed; see the lines with \"%s\"%n",
                        run.failed, run.total, ERROR_FIELD);
                return 1;
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read --input " + input + ": " + e.getMessage(), e);
        }
    }

    private static BufferedReader open(String input, InputStream in) throws IOException {
        if (input.equals("-")) {
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        try {
            return Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(
                    "--input " + input + " does not exist; give a JSON Lines file or - for stdin");
        }
    }

    /** One predict run: lines are buffered until a batch of good records is full. */
    private static final class Run {
        private final BatchScorer scorer;
        private final int batchSize;
        private final PrintStream out;
        private final PrintStream err;
        // Every line seen since the last flush, good or bad, so that output keeps input order.
        private final List<Pending> pending = new ArrayList<>();
        private final List<Map<String, Object>> batch = new ArrayList<>();
        int total;
        int failed;

        Run(BatchScorer scorer, int batchSize, PrintStream out, PrintStream err) {
            this.scorer = scorer;
            this.batchSize = batchSize;
            this.out = out;
            this.err = err;
        }

        void add(int lineNumber, String line) {
            if (line.isBlank()) {
                return;
            }
            total++;
            Map<String, Object> record = null;
            String reason = null;
            try {
                record = parse(line);
            } catch (IllegalArgumentException e) {
                reason = RecordError.Stage.DECODE.label() + ": " + e.getMessage();
            }
            if (record == null) {
                pending.add(new Pending(lineNumber, null, reason));
            } else {
                pending.add(new Pending(lineNumber, record, null));
                batch.add(record);
            }
            // Bad lines wait for the records ahead of them so that output keeps input order.
            // Counting them towards the batch bounds what is held to N lines; with no record
            // waiting, an error line is printed at once.
            if (pending.size() >= batchSize || batch.isEmpty()) {
                flush();
            }
        }

        void flush() {
            ScoreResult result = batch.isEmpty() ? null : scorer.score(batch);
            int row = 0;
            for (Pending p : pending) {
                if (p.record() == null) {
                    fail(p.lineNumber(), p.error());
                    continue;
                }
                int r = row++;
                if (!result.ok(r)) {
                    RecordError error = result.error(r);
                    fail(p.lineNumber(), error.stage().label() + ": " + error.message());
                    continue;
                }
                Map<String, Object> line = new LinkedHashMap<>(p.record());
                line.putAll(result.outputs(r));
                out.println(write(line));
            }
            pending.clear();
            batch.clear();
        }

        private void fail(int lineNumber, String message) {
            failed++;
            Map<String, Object> line = new LinkedHashMap<>();
            line.put(ERROR_FIELD, message);
            line.put(LINE_FIELD, lineNumber);
            out.println(write(line));
            err.println("warning: line " + lineNumber + ": " + message);
        }
    }

    private record Pending(int lineNumber, Map<String, Object> record, String error) {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "not valid JSON: " + e.getOriginalMessage().replaceAll("\\s+", " ").strip());
        }
        if (node == null || !node.isObject()) {
            String seen =
                    node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
            throw new IllegalArgumentException("expected a JSON object, got " + seen);
        }
        return JSON.convertValue(node, LinkedHashMap.class);
    }

    static String write(Map<String, Object> line) {
        try {
            return JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot write an output line as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
