package dev.batchscore.pipeline.cli;

import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * What {@code predict} reads: record values one at a time, as a Kafka record would carry them, and
 * the {@link RecordFormat} that reads them. Text formats (json, csv) come one per line (blank lines
 * skipped, numbered as lines); an Avro container file ({@code .avro}) gives each record as Avro
 * binary of the file's own schema, read by the {@code avro} format with that schema.
 */
final class PredictInput implements AutoCloseable {
    private final RecordFormat format;
    private final BufferedReader lines;
    private final DataFileStream<GenericRecord> avro;
    private final GenericDatumWriter<GenericRecord> avroWriter;
    private int number;

    /** One record value and its line (or record) number, from 1. */
    record Next(int number, byte[] value) {}

    private PredictInput(
            RecordFormat format, BufferedReader lines, DataFileStream<GenericRecord> avro) {
        this.format = format;
        this.lines = lines;
        this.avro = avro;
        this.avroWriter = avro == null ? null : new GenericDatumWriter<>(avro.getSchema());
    }

    /** Opens {@code input} ({@code -} for {@code in}) for the format {@code options} name. */
    static PredictInput open(String input, InputStream in, Map<String, String> options) {
        Map<String, String> keys = new LinkedHashMap<>(options);
        String name =
                keys.getOrDefault(
                                RecordFormats.SOURCE_FORMAT.key(),
                                RecordFormats.SOURCE_FORMAT.defaultValue())
                        .trim()
                        .toLowerCase(Locale.ROOT);
        boolean container = input.toLowerCase(Locale.ROOT).endsWith(".avro");
        try {
            if (container) {
                if (!keys.containsKey(RecordFormats.SOURCE_FORMAT.key()) || name.equals("avro")) {
                    DataFileStream<GenericRecord> file =
                            new DataFileStream<>(
                                    Files.newInputStream(Path.of(input)),
                                    new GenericDatumReader<>());
                    keys.put(RecordFormats.SOURCE_FORMAT.key(), "avro");
                    keys.put("source.avro.schema", file.getSchema().toString());
                    return new PredictInput(FormatArgs.create(keys), null, file);
                }
            }
            if (!name.equals("json") && !name.equals("csv")) {
                throw new IllegalArgumentException(
                        "predict reads JSON Lines (source.format json), CSV lines (csv) or an Avro"
                                + " container file (.avro), not source.format '"
                                + name
                                + "' from "
                                + input
                                + "; score such records from their topic with ./batchscore run");
            }
            RecordFormat format = FormatArgs.create(keys);
            BufferedReader reader =
                    input.equals("-")
                            ? new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                            : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
            return new PredictInput(format, reader, null);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(
                    "--input " + input + " does not exist; give a JSON Lines file or - for stdin");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read --input " + input + ": " + e.getMessage(), e);
        }
    }

    RecordFormat format() {
        return format;
    }

    /** The next record value, or null at the end. */
    Next next() {
        try {
            if (avro != null) {
                if (!avro.hasNext()) {
                    return null;
                }
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
                avroWriter.write(avro.next(), encoder);
                encoder.flush();
                return new Next(++number, bytes.toByteArray());
            }
            for (String line; (line = lines.readLine()) != null; ) {
                number++;
                if (!line.isBlank()) {
                    return new Next(number, line.getBytes(StandardCharsets.UTF_8));
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the input: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            if (lines != null) {
                lines.close();
            }
            if (avro != null) {
                avro.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
