package dev.batchscore.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.pipeline.cli.Main;
import dev.batchscore.pipeline.config.BatchscoreOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

class OptionsTableTest {
    private static final String START = "<!-- options:start -->";
    private static final String END = "<!-- options:end -->";

    @Test
    void everyOptionConstantIsListedOnceWithADescription() throws Exception {
        List<ConfigOption<?>> constants = new ArrayList<>();
        for (Field f : BatchscoreOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                constants.add((ConfigOption<?>) f.get(null));
            }
        }
        // source.format and each format's own options are declared in the formats' packages.
        constants.addAll(RecordFormats.options());
        assertThat(BatchscoreOptions.ALL).containsExactlyInAnyOrderElementsOf(constants);
        for (ConfigOption<?> option : BatchscoreOptions.ALL) {
            assertThat(OptionsTable.description(option)).as(option.key()).isNotBlank();
            assertThat(option.key()).matches("[a-z0-9.-]+");
        }
    }

    @Test
    void markdownHasARowPerOption() {
        String table = OptionsTable.markdown();
        assertThat(table.lines().count()).isEqualTo(BatchscoreOptions.ALL.size() + 2L);
        assertThat(table)
                .contains("| `batch.size` | `256` |")
                .contains("| `source.kafka.properties.*` |")
                .contains("| `batch.max-delay` | `1 s` |");
    }

    @Test
    void helpListsEveryKey() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertThat(Main.run(new String[] {"run", "--help"}, print, print)).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        for (ConfigOption<?> option : BatchscoreOptions.ALL) {
            assertThat(help).contains("--" + BatchscoreOptions.displayKey(option));
        }
    }

    /** The README's options table is generated from the constants; this keeps it from drifting. */
    @Test
    void readmeTableMatchesTheConstants() throws Exception {
        Path readme = Paths.get("..", "README.md");
        assertThat(readme).as("the project README").isRegularFile();
        String text = Files.readString(readme);
        int start = text.indexOf(START);
        int end = text.indexOf(END);
        assertThat(end)
                .as("README.md holds the options table between " + START + " and " + END)
                .isGreaterThan(start)
                .isPositive();
        String block = text.substring(start + START.length(), end).strip();
        assertThat(block)
                .as("README.md options table; regenerate it from OptionsTable.markdown()")
                .isEqualTo(OptionsTable.markdown().strip());
    }

    /** The README's SQL options table is generated from the provider's constants, too. */
    @Test
    void readmeSqlTableMatchesTheProvidersConstants() throws Exception {
        String text = Files.readString(Paths.get("..", "README.md"));
        String start = "<!-- sql-options:start -->";
        int from = text.indexOf(start);
        int to = text.indexOf("<!-- sql-options:end -->");
        assertThat(to).as("README.md holds the SQL options table").isGreaterThan(from).isPositive();
        assertThat(text.substring(from + start.length(), to).strip())
                .as("README.md SQL options table; regenerate it with OptionsTable.main sql")
                .isEqualTo(OptionsTable.sqlMarkdown().strip());
    }
}
