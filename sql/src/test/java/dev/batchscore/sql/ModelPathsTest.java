package dev.batchscore.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.ModelException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelPathsTest {
    @Test
    void localPathsAndFileUris() {
        assertThat(ModelPaths.resolve("/models/churn")).isEqualTo(Path.of("/models/churn"));
        assertThat(ModelPaths.resolve("file:///models/churn")).isEqualTo(Path.of("/models/churn"));
        assertThat(ModelPaths.resolve("file:/models/churn/")).isEqualTo(Path.of("/models/churn"));
    }

    @Test
    void otherSchemesAreRefusedWithTheFix() {
        assertThatThrownBy(() -> ModelPaths.resolve("s3://bucket/models/churn"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("uses the scheme 's3'")
                .hasMessageContaining("file:// URI");
    }
}
