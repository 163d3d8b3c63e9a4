package dev.batchscore.examples.bench;

import dev.batchscore.models.testing.HalfPlusTwo;
import dev.batchscore.pipeline.kafka.BatchscoreModule;
import dev.batchscore.sql.SqlScript;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The SQL job ({@code CREATE MODEL ... 'provider' = 'tensorflow'} and {@code ML_PREDICT}, as {@code
 * ./batchscore sql} runs it) on the topic a DataStream run of the bench just read, with the same
 * model, batch size and parallelism, into Iceberg too. Prints one line, {@code
 * sql_over_datastream=R}, with both whole-run rates (from job submission to its end): a benchmark
 * line, not a test.
 */
final class SqlBench {
    private SqlBench() {}

    /**
     * Runs the SQL job on {@code topic} and prints how its rows/s compare to {@code dataStream}.
     */
    static void compare(
            String bootstrap,
            String topic,
            Path halfPlusTwo,
            Path warehouse,
            String table,
            BenchRow dataStream,
            PrintStream out)
            throws Exception {
        String script =
                String.format(
                        Locale.ROOT,
                        """
                        SET 'parallelism.default' = '%d';
                        SET 'execution.checkpointing.interval' = '2 s';
                        CREATE TABLE records (id BIGINT, %s FLOAT) WITH (
                          'connector' = 'kafka', 'topic' = '%s',
                          'properties.bootstrap.servers' = '%s',
                          'properties.group.id' = 'sql-bench',
                          'scan.startup.mode' = 'earliest-offset',
                          'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
                        CREATE CATALOG ice WITH ('type' = 'iceberg', 'catalog-type' = 'hadoop',
                          'warehouse' = '%s');
                        CREATE DATABASE IF NOT EXISTS ice.bench;
                        CREATE TABLE ice.bench.%s (id BIGINT, %s FLOAT);
                        CREATE MODEL half_plus_two INPUT (%s FLOAT) OUTPUT (%s FLOAT)
                          WITH ('provider' = 'tensorflow', 'path' = '%s', 'batch.size' = '%d');
                        SET 'table.exec.async-ml-predict.max-concurrent-operations' = '%d';
                        INSERT INTO ice.bench.%s SELECT id, %s
                          FROM ML_PREDICT(TABLE records, MODEL half_plus_two, DESCRIPTOR(%s));
                        """,
                        dataStream.parallelism(),
                        HalfPlusTwo.INPUT,
                        topic,
                        bootstrap,
                        warehouse.toUri(),
                        table,
                        HalfPlusTwo.OUTPUT,
                        HalfPlusTwo.INPUT,
                        HalfPlusTwo.OUTPUT,
                        halfPlusTwo.toUri(),
                        dataStream.batchSize(),
                        2 * dataStream.batchSize(),
                        table,
                        HalfPlusTwo.OUTPUT,
                        HalfPlusTwo.INPUT);
        AtomicLong submitted = new AtomicLong();
        SqlScript.Summary summary;
        try {
            SqlScript sql =
                    new SqlScript(
                                    StreamExecutionEnvironment.createLocalEnvironment(
                                            SqlScript.localDefaults(new Configuration())),
                                    new PrintStream(OutputStream.nullOutputStream()))
                            .onSubmit(job -> submitted.set(System.nanoTime()));
            // as ./batchscore sql runs it: bounded Kafka tables wrapped in BoundedRestoreSource
            BatchscoreModule.load(sql.tableEnvironment());
            summary = sql.run(script);
        } catch (Exception e) {
            // one line, and the rest of the bench still runs
            out.printf(Locale.ROOT, "sql_over_datastream=NaN (the SQL job failed: %s)%n", e);
            return;
        }
        double seconds = (System.nanoTime() - submitted.get()) / 1e9;
        double sqlRate = summary.rows() / seconds;
        double dataStreamRate = dataStream.wholeRunRowsPerSecond();
        out.printf(
                Locale.ROOT,
                "sql_over_datastream=%.2f (SQL job %,.0f rows/s, DataStream job %,.0f rows/s; whole"
                        + " runs of %,d %s records, batch size %d, parallelism %d)%n",
                sqlRate / dataStreamRate,
                sqlRate,
                dataStreamRate,
                summary.rows(),
                dataStream.model(),
                dataStream.batchSize(),
                dataStream.parallelism());
    }
}
