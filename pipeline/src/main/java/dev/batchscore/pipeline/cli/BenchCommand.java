package dev.batchscore.pipeline.cli;

import java.nio.file.Path;
import java.nio.file.Paths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code batchscore bench [--quick] [--out DIR] [--profile DIR]}: {@link Bench}. */
@Command(
        name = "bench",
        customSynopsis =
                "batchscore bench [--quick] [--out DIR] [--profile DIR] [--format json,avro,...]",
        description = {
            "The pipeline side by side with the model alone, naive code and no model",
            "",
            "On an embedded Kafka broker and generated records, measures the reference tabular"
                    + " model and half_plus_two: raw model calls, the model loaded per batch,"
                    + " per-record scoring, the whole bounded job into Iceberg, and the job with an"
                    + " identity instead of the model, at several batch sizes and parallelisms;"
                    + " peak RSS of two streaming runs; prints a table, writes bench.csv and"
                    + " bench.png, and ends with one line of ratios. A benchmark: figures, not a"
                    + " test."
        })
final class BenchCommand extends Cli.Command {
    @Mixin Cli.VerboseOption verbose;

    @Option(
            names = "--quick",
            description = "a reduced run (under 5 minutes) that still prints every ratio")
    boolean quick;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "where bench.csv and bench.png go (default ./bench-out)")
    Path outDir = Paths.get("bench-out");

    @Option(
            names = "--profile",
            paramLabel = "DIR",
            description = "write an async-profiler CPU flame graph of every pipeline run to DIR")
    Path profileDir;

    @Option(
            names = "--format",
            paramLabel = "FORMATS",
            split = ",",
            description =
                    "the record formats the tabular pipeline is compared over, side by side"
                            + " (default json,avro,tf-example); prints avro_over_json")
    java.util.List<String> formats;

    BenchCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        Path out = outDir.toAbsolutePath().normalize();
        Path profile = profileDir == null ? null : profileDir.toAbsolutePath().normalize();
        Examples.load("bench").bench(quick, out, profile, formats, io.out());
        return 0;
    }
}
