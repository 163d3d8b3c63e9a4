package dev.batchscore.pipeline.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.operators.ScoredRows;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.function.LongPredicate;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed-position set a rerun carries in its job graph: its size follows the gaps in what
 * was committed, not the number of committed rows, and the scan of real Iceberg tables finds
 * exactly the pipeline's positions inside the run's range.
 */
class CommittedPositionsTest {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedPositionsTest.class);

    private static final int POSITIONS = 20_000_000;
    private static final int PARTITIONS = 8;

    /** Serialized bytes allowed per range (two longs) plus a fixed allowance per partition. */
    private static final long BYTES_PER_RANGE = 16;

    private static final long BYTES_PER_PARTITION = 256;
    private static final long BYTES_FIXED = 2048;

    @TempDir Path warehouse;

    /**
     * 20M positions of one run (8 partitions of 2.5M) in three patterns, fed in a scrambled order
     * (rows come from files in no order) through the scan's own accumulation: the serialized set
     * stays within a bound of the number of ranges, and holds exactly the positions fed.
     */
    @Test
    void twentyMillionPositionsSerializeByTheirRanges() {
        long perPartition = POSITIONS / PARTITIONS;
        long base = 1_000_000_000L; // offsets of a long-lived topic, not from 0
        Random random = new Random(7);
        // Random gaps: about one offset in 10,000 missing, at random places.
        java.util.BitSet randomGaps = new java.util.BitSet((int) perPartition);
        for (int i = 0; i < perPartition / 10_000; i++) {
            randomGaps.set(random.nextInt((int) perPartition));
        }
        List<Pattern> patterns =
                List.of(
                        new Pattern("contiguous", i -> true),
                        new Pattern(
                                "every other offset missing in 20,000 offsets",
                                i -> i < 1_000_000 || i >= 1_020_000 || i % 2 == 0),
                        new Pattern("random gaps (1 in 10,000)", i -> !randomGaps.get((int) i)));

        for (Pattern pattern : patterns) {
            SourcePositions start = positions(base);
            SourcePositions end = positions(base + perPartition);
            System.gc();
            long heapBefore = usedHeap();
            long startNanos = System.nanoTime();
            CommittedPositions.Collector collector = new CommittedPositions.Collector(start, end);
            long fed = 0;
            // A permutation of the offsets (a stride coprime with the range), partitions
            // interleaved: the order rows of many files and buckets arrive in.
            long stride = 1_000_003;
            for (long k = 0; k < perPartition; k++) {
                long i = (k * stride) % perPartition;
                if (!pattern.committed.test(i)) {
                    continue;
                }
                for (int p = 0; p < PARTITIONS; p++) {
                    collector.add("events", p, base + i);
                    fed++;
                }
            }
            // Outside the range or another partition: not part of this run.
            collector.add("events", 0, base - 1);
            collector.add("events", 0, base + perPartition);
            collector.add("events", PARTITIONS, base);
            CommittedPositions committed = collector.build();
            long buildMillis = (System.nanoTime() - startNanos) / 1_000_000;
            // Approximate (after a requested GC), so printed, never asserted.
            System.gc();
            long heapScan = usedHeap() - heapBefore;
            java.lang.ref.Reference.reachabilityFence(collector);
            collector = null;
            System.gc();
            long heapSet = usedHeap() - heapBefore;
            long serialized = serializedSize(committed);

            LOG.info(
                    String.format(
                            Locale.ROOT,
                            "%s: %,d positions in %,d ranges; serialized %,d bytes (a long[] per"
                                    + " position: %,d bytes); heap retained: scan bitsets + set"
                                    + " %,d bytes, set alone %,d bytes; built in %,d ms",
                            pattern.name,
                            committed.size(),
                            committed.rangeCount(),
                            serialized,
                            8 * committed.size(),
                            heapScan,
                            heapSet,
                            buildMillis));

            assertThat(committed.size()).as(pattern.name).isEqualTo(fed);
            assertThat(serialized)
                    .as("%s: serialized bytes for %d ranges", pattern.name, committed.rangeCount())
                    .isLessThanOrEqualTo(
                            BYTES_FIXED
                                    + BYTES_PER_PARTITION * PARTITIONS
                                    + BYTES_PER_RANGE * committed.rangeCount());
            for (long i = 0; i < perPartition; i += 997) {
                assertThat(committed.contains("events", 3, base + i))
                        .as("%s: offset %d", pattern.name, base + i)
                        .isEqualTo(pattern.committed.test(i));
            }
            assertThat(committed.contains("events", 0, base - 1)).isFalse();
            assertThat(committed.contains("events", 0, base + perPartition)).isFalse();
            assertThat(committed.contains("events", PARTITIONS, base)).isFalse();
        }
    }

    /**
     * Rows of two pipelines in a scored and an errors table of a real Hadoop catalog, written in
     * shuffled order over several files, with gaps: the scan holds exactly this pipeline's
     * positions inside [start, end), as the ranges between the gaps.
     */
    @Test
    void scanOfRealTablesFindsThePipelinesPositionsBetweenTheGaps() {
        HadoopCatalog catalog =
                new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), warehouse.toString());
        Schema schema =
                new Schema(
                        Types.NestedField.optional(
                                1, ScoredRows.PIPELINE_ID, Types.StringType.get()),
                        Types.NestedField.required(
                                2, ScoredRows.SOURCE_TOPIC, Types.StringType.get()),
                        Types.NestedField.required(
                                3, ScoredRows.SOURCE_PARTITION, Types.IntegerType.get()),
                        Types.NestedField.required(
                                4, ScoredRows.SOURCE_OFFSET, Types.LongType.get()));
        Table scored = catalog.createTable(TableIdentifier.of("ns", "scored"), schema);
        Table errors = catalog.createTable(TableIdentifier.of("ns", "scored_errors"), schema);

        // Partition 0 reads [100, 400), partition 1 [0, 50); partition 2 is not in the run.
        SourcePositions start = SourcePositions.parse("t:0=100,t:1=0");
        SourcePositions end = SourcePositions.parse("t:0=400,t:1=50");
        List<Record> scoredRows = new ArrayList<>();
        List<Record> errorRows = new ArrayList<>();
        for (long o = 0; o < 500; o++) {
            boolean gap = (o >= 150 && o < 160) || o == 200 || o % 50 == 49;
            if (!gap) {
                // Every 7th position went to the dead-letter table.
                (o % 7 == 0 ? errorRows : scoredRows).add(row(scored, "a", "t", 0, o));
            }
            scoredRows.add(row(scored, "b", "t", 0, o)); // another pipeline
        }
        for (long o = 0; o < 60; o++) {
            if (o != 10) {
                scoredRows.add(row(scored, "a", "t", 1, o));
            }
            scoredRows.add(row(scored, "a", "t", 2, o));
        }
        errorRows.add(row(errors, "a", "t", 0, 120)); // in both tables: counts once
        Collections.shuffle(scoredRows, new Random(3));
        Collections.shuffle(errorRows, new Random(4));
        append(scored, scoredRows.subList(0, 300));
        append(scored, scoredRows.subList(300, scoredRows.size()));
        append(errors, errorRows);

        CommittedPositions committed = CommittedPositions.scan("a", start, end, scored, errors);

        long expected = 0;
        for (long o = 100; o < 400; o++) {
            boolean gap = (o >= 150 && o < 160) || o == 200 || o % 50 == 49;
            assertThat(committed.contains("t", 0, o)).as("t-0@%d", o).isEqualTo(!gap);
            expected += gap ? 0 : 1;
        }
        for (long o = 0; o < 60; o++) {
            assertThat(committed.contains("t", 1, o)).as("t-1@%d", o).isEqualTo(o < 50 && o != 10);
            assertThat(committed.contains("t", 2, o)).as("t-2@%d", o).isFalse();
        }
        assertThat(committed.contains("t", 0, 99)).isFalse();
        assertThat(committed.contains("t", 0, 400)).isFalse();
        assertThat(committed.size()).isEqualTo(expected + 49);
        // Partition 0: [100,149) [160,199) [201,249) [250,299) [300,349) [350,399); partition 1:
        // [0,10) [11,50).
        assertThat(committed.rangeCount()).isEqualTo(8);
        assertThat(CommittedPositions.scan("c", start, end, scored, errors).isEmpty()).isTrue();
    }

    private record Pattern(String name, LongPredicate committed) {}

    private static SourcePositions positions(long offset) {
        java.util.Map<org.apache.kafka.common.TopicPartition, Long> map = new java.util.HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            map.put(new org.apache.kafka.common.TopicPartition("events", p), offset);
        }
        return SourcePositions.of(map);
    }

    private static Record row(Table table, String pipeline, String topic, int partition, long o) {
        GenericRecord r = GenericRecord.create(table.schema());
        r.setField(ScoredRows.PIPELINE_ID, pipeline);
        r.setField(ScoredRows.SOURCE_TOPIC, topic);
        r.setField(ScoredRows.SOURCE_PARTITION, partition);
        r.setField(ScoredRows.SOURCE_OFFSET, o);
        return r;
    }

    private static void append(Table table, List<Record> rows) {
        OutputFile out =
                table.io()
                        .newOutputFile(
                                table.locationProvider()
                                        .newDataLocation(UUID.randomUUID() + ".parquet"));
        FileAppender<Record> appender =
                new GenericAppenderFactory(table.schema()).newAppender(out, FileFormat.PARQUET);
        try (appender) {
            appender.addAll(rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DataFile file =
                DataFiles.builder(PartitionSpec.unpartitioned())
                        .withPath(out.location())
                        .withFormat(FileFormat.PARQUET)
                        .withFileSizeInBytes(appender.length())
                        .withMetrics(appender.metrics())
                        .build();
        table.newAppend().appendFile(file).commit();
    }

    private static long serializedSize(Object o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.size();
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
