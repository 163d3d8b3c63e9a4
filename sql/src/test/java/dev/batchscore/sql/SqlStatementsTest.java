package dev.batchscore.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlStatementsTest {
    @Test
    void splitsAtSemicolonsOutsideQuotesAndComments() {
        String script =
                "-- a comment; not a statement\n"
                        + "SET 'a;b' = 'it''s';\n"
                        + "CREATE TABLE t (`we;ird` INT) /* ; */ WITH ('k' = 'v');\n"
                        + "\n;;\n"
                        + "SELECT \"x;y\" FROM t";
        assertThat(SqlStatements.split(script))
                .containsExactly(
                        "SET 'a;b' = 'it''s'",
                        "CREATE TABLE t (`we;ird` INT)   WITH ('k' = 'v')",
                        "SELECT \"x;y\" FROM t");
    }

    @Test
    void aStatementSetIsOneStatement() {
        List<String> statements =
                SqlStatements.split(
                        "EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1;\n"
                                + "INSERT INTO b SELECT 2;\nEND;\nSELECT 3;");
        assertThat(statements)
                .containsExactly(
                        "EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT 1;\n"
                                + "INSERT INTO b SELECT 2;\nEND",
                        "SELECT 3");
    }

    @Test
    void anUnterminatedQuoteNamesItsLine() {
        assertThatThrownBy(() -> SqlStatements.split("SELECT 1;\nSELECT 'oops;"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unterminated ' quote starting at line 2");
    }
}
