package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ErrorPolicyTest {

    @Test
    void modesParseFromTheirOptionValues() {
        assertThat(ErrorPolicy.Mode.parse("dead-letter")).isEqualTo(ErrorPolicy.Mode.DEAD_LETTER);
        assertThat(ErrorPolicy.Mode.parse(" SKIP ")).isEqualTo(ErrorPolicy.Mode.SKIP);
        assertThat(ErrorPolicy.Mode.parse("fail")).isEqualTo(ErrorPolicy.Mode.FAIL);
        assertThatThrownBy(() -> ErrorPolicy.Mode.parse("deadletter"))
                .hasMessage(
                        "'deadletter' is not an errors mode; expected dead-letter, skip or fail");
    }

    @Test
    void theRatioIsJudgedOnlyAfterTheMinimumCountAndNeverAtOne() {
        ErrorPolicy policy = ErrorPolicy.defaults().withMaxRatio(0.1, 100);
        assertThat(policy.ratioExceeded(99, 99)).as("below the minimum count").isFalse();
        assertThat(policy.ratioExceeded(10, 100)).as("exactly at the limit").isFalse();
        assertThat(policy.ratioExceeded(11, 100)).isTrue();
        assertThat(ErrorPolicy.defaults().ratioExceeded(5000, 5000))
                .as("1.0 never fails")
                .isFalse();
        assertThat(ErrorPolicy.defaults().withMaxRatio(0, 1).ratioExceeded(1, 1)).isTrue();
    }

    @Test
    void outOfRangeValuesAreRefused() {
        assertThatThrownBy(() -> ErrorPolicy.defaults().withMaxRatio(1.5, 10))
                .hasMessageContaining("between 0 and 1");
        assertThatThrownBy(() -> ErrorPolicy.defaults().withMaxRecordBytes(0))
                .hasMessageContaining(">= 1");
    }
}
