package dev.batchscore.pipeline.cli;

import java.nio.file.Path;
import java.nio.file.Paths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batchscore demo [--records N] [--warehouse DIR]}: the whole job on real components in this
 * JVM, run by the examples module ({@link Examples#runDemo}).
 */
@Command(
        name = "demo",
        description = {
            "Run the whole job on embedded Kafka, Flink and Iceberg with a reference model",
            "",
            "Starts a KRaft Kafka broker in this JVM, writes N product reviews to a 4-partition"
                    + " topic, builds the reference sentiment model, runs the bounded job with the"
                    + " Flink Web UI on localhost, and prints what it wrote to demo.scored_reviews."
        })
final class DemoCommand extends Cli.Command {
    @Mixin Cli.VerboseOption verbose;

    @Option(
            names = "--records",
            paramLabel = "N",
            converter = Cli.Count.class,
            description = "reviews to write to the embedded Kafka topic (default 100000)")
    long records = 100_000;

    @Option(
            names = "--warehouse",
            paramLabel = "DIR",
            description =
                    "Hadoop catalog warehouse for demo.scored_reviews (default ./demo-warehouse;"
                            + " the demo tables in it are replaced)")
    Path warehouse = Paths.get("demo-warehouse");

    @Option(
            names = "--parallelism",
            paramLabel = "P",
            converter = Cli.Count.class,
            description = "Flink parallelism (default: the number of cores)")
    Long parallelism;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            description =
                    "how the reviews are written to the topic and read by the job: json (default)"
                            + " or avro (Avro binary of one schema, source.format avro)")
    String format = "json";

    DemoCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        if (!format.equals("json") && !format.equals("avro")) {
            throw new IllegalArgumentException(
                    "--format is '" + format + "'; the demo writes json or avro");
        }
        Examples.load("demo").runDemo(records, warehouse, parallelism, format, io.out());
        RunClassArchive.writeIfAsked(io.err());
        return 0;
    }
}
