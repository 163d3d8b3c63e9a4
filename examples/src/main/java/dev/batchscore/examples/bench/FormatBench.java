package dev.batchscore.examples.bench;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.examples.Topics;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.LongFunction;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;

/**
 * The tabular pipeline over the same records in each record format, side by side: {@code {"id",
 * "features": [64 floats]}} as JSON text, as Avro binary (written by Avro's {@code
 * GenericDatumWriter}) and as serialized {@code tf.Example}s. Prints one line per format and {@code
 * avro_over_json=R tf_example_over_json=R} (whole-run rows/s over JSON's, same records, batch size
 * and parallelism), each also by steady-state rows/s ({@code avro_over_json_steady}): a short run
 * is mostly start and planning, which the format does not change.
 */
final class FormatBench {
    static final List<String> FORMATS = List.of("json", "avro", "tf-example");

    static final Schema TABULAR_AVRO =
            new Schema.Parser()
                    .parse(
                            "{\"type\":\"record\",\"name\":\"Tabular\",\"namespace\":\"bench\","
                                    + "\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
                                    + "{\"name\":\""
                                    + ReferenceModels.TABULAR_INPUT
                                    + "\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}]}");

    private FormatBench() {}

    static void compare(
            String bootstrap,
            Path model,
            long records,
            int batchSize,
            int parallelism,
            List<String> formats,
            Path warehouse,
            PrintStream out)
            throws Exception {
        Map<String, PipelineRun.Timing> timings = new LinkedHashMap<>();
        for (String format : formats) {
            String topic = "formats-" + format + "-" + records;
            long start = System.nanoTime();
            produce(bootstrap, topic, records, format);
            out.printf(
                    Locale.ROOT,
                    "  wrote %,d %s records to topic %s in %.1f s%n",
                    records,
                    format,
                    topic,
                    (System.nanoTime() - start) / 1e9);
            PipelineRun.Setup setup =
                    new PipelineRun.Setup(
                            bootstrap,
                            topic,
                            records,
                            model,
                            List.of("id:long"),
                            warehouse,
                            "bench.f_" + format.replace('-', '_'),
                            0,
                            0,
                            format(format));
            PipelineRun.Timing t = PipelineRun.run(setup, batchSize, parallelism, false);
            timings.put(format, t);
            out.printf(
                    Locale.ROOT,
                    "  tabular pipeline %-10s batch %5d  p%d  %,12.0f rows/s whole run  %,12.0f"
                            + " rows/s steady  %7.1f steady cpu ms/1k rows%n",
                    format,
                    batchSize,
                    parallelism,
                    t.wholeRunRowsPerSecond(),
                    t.steadyRowsPerSecond(),
                    t.steadyCpuMsPer1kRows());
        }
        PipelineRun.Timing json = timings.get("json");
        if (json == null) {
            return;
        }
        StringBuilder line = new StringBuilder("formats:");
        for (Map.Entry<String, PipelineRun.Timing> e : timings.entrySet()) {
            if (!e.getKey().equals("json")) {
                String name = e.getKey().replace('-', '_');
                line.append(
                        String.format(
                                Locale.ROOT,
                                " %s_over_json=%.2f %s_over_json_steady=%.2f",
                                name,
                                e.getValue().wholeRunRowsPerSecond() / json.wholeRunRowsPerSecond(),
                                name,
                                e.getValue().steadyRowsPerSecond() / json.steadyRowsPerSecond()));
            }
        }
        out.println(
                line.append(
                        String.format(
                                Locale.ROOT,
                                " (whole runs of %,d tabular records, batch size %d, parallelism"
                                        + " %d)",
                                records,
                                batchSize,
                                parallelism)));
    }

    /**
     * Creates {@code topic} with {@link Datasets#PARTITIONS} partitions and writes {@code records}
     * tabular records in {@code format} ({@link #encoder}).
     */
    static void produce(String bootstrap, String topic, long records, String format)
            throws Exception {
        LongFunction<byte[]> encode = encoder(format);
        Topics.fill(
                bootstrap,
                topic,
                Datasets.PARTITIONS,
                512 * 1024,
                records,
                i ->
                        new ProducerRecord<>(
                                topic, (int) (i % Datasets.PARTITIONS), null, encode.apply(i)));
    }

    /** The job options that read the bench's tabular records in {@code format}. */
    static Map<String, String> formatKeys(String format) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(RecordFormats.SOURCE_FORMAT.key(), format);
        if (format.equals("avro")) {
            keys.put("source.avro.schema", TABULAR_AVRO.toString());
        }
        return keys;
    }

    private static RecordFormat format(String name) {
        return RecordFormats.create(Configuration.fromMap(formatKeys(name)));
    }

    /** Record {@code i} in {@code format}: the same id and features as {@link Datasets#tabular}. */
    static LongFunction<byte[]> encoder(String format) {
        LongFunction<String> json = Datasets.tabular(ReferenceModels.DEFAULT_SEED);
        return switch (format) {
            case "json" -> i -> json.apply(i).getBytes(StandardCharsets.UTF_8);
            case "avro" -> {
                GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(TABULAR_AVRO);
                yield i -> {
                    GenericRecord r = new GenericData.Record(TABULAR_AVRO);
                    r.put("id", i);
                    r.put(ReferenceModels.TABULAR_INPUT, floats(features(i)));
                    try {
                        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
                        writer.write(r, encoder);
                        encoder.flush();
                        return bytes.toByteArray();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
            }
            case "tf-example" ->
                    i -> {
                        FloatList.Builder values = FloatList.newBuilder();
                        for (float f : features(i)) {
                            values.addValue(f);
                        }
                        return Example.newBuilder()
                                .setFeatures(
                                        Features.newBuilder()
                                                .putFeature(
                                                        "id",
                                                        Feature.newBuilder()
                                                                .setInt64List(
                                                                        Int64List.newBuilder()
                                                                                .addValue(i))
                                                                .build())
                                                .putFeature(
                                                        ReferenceModels.TABULAR_INPUT,
                                                        Feature.newBuilder()
                                                                .setFloatList(values)
                                                                .build()))
                                .build()
                                .toByteArray();
                    };
            default ->
                    throw new IllegalArgumentException(
                            "bench --format: '" + format + "' is not one of " + FORMATS);
        };
    }

    /** The features of record {@code i}, drawn as {@link Datasets#tabular} draws them. */
    private static float[] features(long i) {
        Random random = new Random(ReferenceModels.DEFAULT_SEED * 1_000_003L + i);
        float[] out = new float[ReferenceModels.TABULAR_FEATURES];
        for (int j = 0; j < out.length; j++) {
            out[j] = (float) random.nextGaussian();
        }
        return out;
    }

    private static List<Float> floats(float[] values) {
        List<Float> out = new java.util.ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }
}
