package dev.batchscore.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

class SqlOptionsTableTest {
    private static final String START = "<!-- sql-options:start -->\n";
    private static final String END = "<!-- sql-options:end -->";

    @Test
    void everyOptionIsListedWithADescription() throws Exception {
        List<ConfigOption<?>> constants = new ArrayList<>();
        for (Field f : TensorflowOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                constants.add((ConfigOption<?>) f.get(null));
            }
        }
        assertThat(TensorflowOptions.ALL).containsExactlyInAnyOrderElementsOf(constants);
        for (ConfigOption<?> option : TensorflowOptions.ALL) {
            assertThat(SqlOptionsTable.description(option)).as(option.key()).isNotBlank();
        }
        assertThat(new TensorflowModelProviderFactory().factoryIdentifier())
                .isEqualTo("tensorflow");
    }

    /** README.md's table is generated from the constants; this keeps it from drifting. */
    @Test
    void readmeTableIsUpToDate() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf(START);
        int end = readme.indexOf(END);
        assertThat(start).as("README.md has " + START.strip()).isNotNegative();
        assertThat(readme.substring(start + START.length(), end))
                .as("README.md options table; regenerate with SqlOptionsTable.main")
                .isEqualTo(SqlOptionsTable.markdown());
    }
}
