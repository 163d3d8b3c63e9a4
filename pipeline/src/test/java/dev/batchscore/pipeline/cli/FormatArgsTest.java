package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.operators.format.RecordFormats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FormatArgsTest {

    /** predict and inspect take every format option the job takes, spelled the same. */
    @Test
    void everyFormatOptionIsACommandLineOption() {
        CommandLine cli = new CommandLine(new FormatArgs());
        List<String> names = new ArrayList<>();
        cli.getCommandSpec().options().forEach(o -> names.add(o.longestName()));
        List<String> keys = new ArrayList<>();
        RecordFormats.options().forEach(o -> keys.add("--" + o.key()));
        assertThat(names).containsExactlyInAnyOrderElementsOf(keys);

        FormatArgs args = new FormatArgs();
        new CommandLine(args).parseArgs("--source.format", "csv", "--source.csv.columns", "id,x");
        assertThat(args.keys())
                .containsEntry("source.format", "csv")
                .containsEntry("source.csv.columns", "id,x");
    }
}
