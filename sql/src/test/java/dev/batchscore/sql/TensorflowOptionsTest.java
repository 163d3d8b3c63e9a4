package dev.batchscore.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

class TensorflowOptionsTest {
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
            assertThat(option.description().getBlocks()).as(option.key()).isNotEmpty();
        }
        assertThat(new TensorflowModelProviderFactory().factoryIdentifier())
                .isEqualTo("tensorflow");
    }
}
