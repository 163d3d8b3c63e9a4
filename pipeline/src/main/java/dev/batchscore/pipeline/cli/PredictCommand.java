package dev.batchscore.pipeline.cli;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.RecordError;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordReader;
import dev.batchscore.operators.format.json.JsonRecordDecoder;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batchscore predict --model.path MODEL_DIR [--model.signature NAME] [--batch.size N]
 * --input FILE|-}: scores a JSON Lines file locally, without Flink, through the same {@link
 * BatchScorer} and the same {@link RecordFormat} the job uses (so a line decodes here exactly as
 * the record would in the job, NaN and Infinity included). The options are spelled like the job's
 * keys; the older spellings ({@code --model}, {@code --signature}, {@code --tags}, {@code
 * --batch-size}) stay as aliases.
 *
 * <p>Each input line is one JSON object whose fields are named by the signature's inputs (or, for a
 * signature that takes serialized {@code tf.Example}s, by the features it parses). Each produces
 * exactly one output line, in input order: the input's fields followed by every output of the
 * signature (an output replaces an input field of the same name). Vectors are JSON arrays; {@code
 * DT_FLOAT} values are printed as the shortest decimal that reads back as the same float, so {@code
 * 0.5 * 1 + 2} prints {@code 2.5}. Blank lines are skipped.
 *
 * <p>A line that cannot be scored is data, not a crash: its output line is {@code {"_error":
 * "<stage>: <reason>", "_line": n}} (stage {@code decode} for what the job's decoder refuses,
 * {@code encode} or {@code score} from the scorer), a warning naming the line goes to stderr, the
 * other lines are still scored, and the exit code is 1 at the end. Otherwise it is 0.
 */
@Command(
        name = "predict",
        customSynopsis = {
            "batchscore predict --model.path MODEL_DIR [--model.signature NAME]",
            "                   [--model.tags TAGS] [--batch.size N] --input FILE|-",
            "                   [--source.format json|csv|avro] [--source.<format>.<key> VALUE]..."
        },
        description = {
            "Score a JSON Lines file locally with a SavedModel",
            "",
            "Prints one JSON object per input line, in input order: the line's fields and every"
                    + " output of the signature. A line that cannot be scored prints"
                    + " {\"_error\": \"<stage>: <reason>\", \"_line\": n} and a warning, and the"
                    + " exit code is then 1."
        })
final class PredictCommand extends Cli.Command {
    static final int DEFAULT_BATCH_SIZE = 256;
    static final String ERROR_FIELD = "_error";
    static final String LINE_FIELD = "_line";

    @Mixin Cli.VerboseOption verbose;

    @Option(
            names = {"--model.path", "--model"},
            paramLabel = "MODEL_DIR",
            description =
                    "a SavedModel directory, or a TF Serving base directory (highest version)")
    Path model;

    @Option(
            names = {"--model.signature", "--signature"},
            paramLabel = "NAME",
            description =
                    "the signature to score with (default " + ModelOptions.DEFAULT_SIGNATURE + ")")
    String signature = ModelOptions.DEFAULT_SIGNATURE;

    @Mixin Cli.ModelTagsOption tags;

    @Option(
            names = {"--batch.size", "--batch-size"},
            paramLabel = "N",
            converter = Cli.PositiveInt.class,
            description = "at most N records per model call (default " + DEFAULT_BATCH_SIZE + ")")
    int batchSize = DEFAULT_BATCH_SIZE;

    @Option(
            names = "--input",
            paramLabel = "FILE|-",
            description =
                    "JSON Lines (or CSV lines with --source.format csv) to score, one record per"
                            + " line, or an Avro container file (.avro); '-' reads stdin")
    String input;

    /** json (default), csv, or avro (an .avro container file, read with its own schema). */
    @Mixin FormatArgs format;

    PredictCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() {
        if (model == null) {
            throw new IllegalArgumentException(
                    "predict needs --model, e.g. --model models/tabular");
        }
        if (input == null || input.isEmpty()) {
            throw new IllegalArgumentException(
                    "predict needs --input, e.g. --input records.jsonl (or - for stdin)");
        }
        Map<String, String> options = format.keys();
        return predict(
                model, signature, tags.tags, batchSize, input, options, io.in(), io.out(),
                io.err());
    }

    /** As the full form, with JSON Lines input. */
    static int predict(
            Path modelDir,
            String signature,
            Set<String> tags,
            int batchSize,
            String input,
            InputStream in,
            PrintStream out,
            PrintStream err) {
        return predict(modelDir, signature, tags, batchSize, input, Map.of(), in, out, err);
    }

    /**
     * Scores {@code input} (a JSON Lines file, or {@code in} for {@code -}) with the signature
     * {@code signature} of the model at {@code modelDir}, loaded with the tag set {@code tags}, in
     * model calls of at most {@code batchSize} records, and writes one JSON line per input line to
     * {@code out}; warnings go to {@code err}. {@code formatOptions} are the job's {@code
     * source.format} keys: JSON Lines by default, CSV lines, or an Avro container file.
     *
     * @return 0 when every line was scored, 1 when some failed (each one has an error line)
     * @throws IllegalArgumentException when the input cannot be opened
     * @throws dev.batchscore.models.ModelException when the model cannot be loaded or the signature
     *     cannot be used
     */
    static int predict(
            Path modelDir,
            String signature,
            Set<String> tags,
            int batchSize,
            String input,
            Map<String, String> formatOptions,
            InputStream in,
            PrintStream out,
            PrintStream err) {
        PredictInput records = PredictInput.open(input, in, formatOptions);
        try (records;
                SavedModel model =
                        ModelRegistry.acquire(modelDir, ModelOptions.defaults().withTags(tags))) {
            BatchScorer scorer = model.scorer(signature);
            RecordFormat format = records.format();
            Lines lines =
                    new Lines(
                            scorer,
                            format,
                            format.reader(
                                    new RecordFormat.ReaderSpec(
                                            scorer.fields(),
                                            Map.of(),
                                            List.of(),
                                            scorer.serializedExampleInput().orElse(null))),
                            batchSize,
                            out,
                            err);
            for (PredictInput.Next next; (next = records.next()) != null; ) {
                lines.add(next.number(), next.value());
            }
            lines.flush();
            if (lines.failed > 0) {
                err.printf(
                        "predict: %d of %d records failed; see the lines with \"%s\"%n",
                        lines.failed, lines.total, ERROR_FIELD);
                return 1;
            }
            return 0;
        }
    }

    /**
     * The record of one value, decoded as the job decodes a Kafka record value: what is shown of
     * it, and the model's input.
     */
    static Decoded decode(RecordFormat format, RecordReader reader, byte[] value)
            throws DecodeException {
        Map<String, Object> input = new HashMap<>();
        reader.read(value, input, new Object[0]);
        List<Map<String, Object>> shown = format.decodeForDisplay(List.of(value));
        return new Decoded(shown.isEmpty() ? input : shown.get(0), input);
    }

    /** One decoded record: its fields as printed, and the model's input. */
    record Decoded(Map<String, Object> shown, Map<String, Object> input) {}

    /** One predict run: lines are buffered until a batch of good records is full. */
    private static final class Lines {
        private final BatchScorer scorer;
        private final RecordFormat format;
        private final RecordReader reader;
        private final int batchSize;
        private final PrintStream out;
        private final PrintStream err;
        // Every line seen since the last flush, good or bad, so that output keeps input order.
        private final List<Pending> pending = new ArrayList<>();
        private final List<Map<String, Object>> batch = new ArrayList<>();
        int total;
        int failed;

        Lines(
                BatchScorer scorer,
                RecordFormat format,
                RecordReader reader,
                int batchSize,
                PrintStream out,
                PrintStream err) {
            this.scorer = scorer;
            this.format = format;
            this.reader = reader;
            this.batchSize = batchSize;
            this.out = out;
            this.err = err;
        }

        void add(int lineNumber, byte[] value) {
            total++;
            try {
                Decoded record = decode(format, reader, value);
                pending.add(new Pending(lineNumber, record.shown(), null));
                batch.add(record.input());
            } catch (DecodeException e) {
                pending.add(
                        new Pending(
                                lineNumber,
                                null,
                                RecordError.Stage.DECODE.label() + ": " + e.getMessage()));
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
                out.println(JsonRecordDecoder.toJsonText(line));
            }
            pending.clear();
            batch.clear();
        }

        private void fail(int lineNumber, String message) {
            failed++;
            Map<String, Object> line = new LinkedHashMap<>();
            line.put(ERROR_FIELD, message);
            line.put(LINE_FIELD, lineNumber);
            out.println(JsonRecordDecoder.toJsonText(line));
            err.println("warning: line " + lineNumber + ": " + message);
        }
    }

    private record Pending(int lineNumber, Map<String, Object> record, String error) {}
}
