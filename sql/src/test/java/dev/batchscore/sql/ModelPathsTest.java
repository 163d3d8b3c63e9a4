package dev.batchscore.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.ModelException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelPathsTest {
    @Test
    void localPathsAndFileUrisAreUsedWhereTheyAre() {
        assertThat(ModelPaths.resolve("/models/churn")).isEqualTo(Path.of("/models/churn"));
        assertThat(ModelPaths.resolve("file:///models/churn")).isEqualTo(Path.of("/models/churn"));
        assertThat(ModelPaths.resolve("file:/models/churn/")).isEqualTo(Path.of("/models/churn"));
        assertThat(ModelPaths.isLocal(ModelPaths.pin("file:///models/churn"))).isTrue();
    }

    @Test
    void aSchemeWithoutFlinkFilesystemIsRefusedWithTheFix() {
        assertThatThrownBy(() -> ModelPaths.pin("nosuchfs://bucket/models/churn"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("'nosuchfs://bucket/models/churn'")
                .hasMessageContaining("no filesystem for it");
    }
}
