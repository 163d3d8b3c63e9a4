package dev.batchscore.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a SQL script into statements at the semicolons outside string literals ({@code '...'}),
 * quoted identifiers ({@code "..."}, {@code `...`}) and comments ({@code -- ...}, {@code /* ...
 * *}{@code /}). Comments are dropped; blank statements are skipped.
 */
public final class SqlStatements {
    private SqlStatements() {}

    public static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int n = script.length();
        int i = 0;
        while (i < n) {
            char c = script.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int end = i + 1;
                while (end < n) {
                    if (script.charAt(end) == c) {
                        // a doubled quote is an escaped quote inside the literal
                        if (end + 1 < n && script.charAt(end + 1) == c) {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                if (end >= n) {
                    throw new IllegalArgumentException(
                            "unterminated " + c + " quote starting at line " + line(script, i));
                }
                current.append(script, i, end + 1);
                i = end + 1;
            } else if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                int end = script.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                int end = script.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException(
                            "unterminated /* comment starting at line " + line(script, i));
                }
                current.append(' ');
                i = end + 2;
            } else if (c == ';') {
                add(statements, current);
                current.setLength(0);
                i++;
            } else {
                current.append(c);
                i++;
            }
        }
        add(statements, current);
        return statementSets(statements);
    }

    private static final java.util.regex.Pattern SET_BEGIN =
            java.util.regex.Pattern.compile(
                    "(?is)^(EXECUTE\\s+)?(BEGIN\\s+)?STATEMENT\\s+SET(\\s+BEGIN)?\\s+(.*)");

    /**
     * {@code EXECUTE STATEMENT SET BEGIN INSERT ...; INSERT ...; END;} is one statement: its
     * inserts run as one job.
     */
    private static List<String> statementSets(List<String> pieces) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            String s = pieces.get(i);
            if (!SET_BEGIN.matcher(s).matches()) {
                out.add(s);
                continue;
            }
            StringBuilder set = new StringBuilder(s);
            while (++i < pieces.size() && !pieces.get(i).equalsIgnoreCase("END")) {
                set.append(";\n").append(pieces.get(i));
            }
            if (i >= pieces.size()) {
                throw new IllegalArgumentException(
                        "a STATEMENT SET has no END: close it with END;");
            }
            out.add(set.append(";\nEND").toString());
        }
        return out;
    }

    private static void add(List<String> statements, StringBuilder statement) {
        String s = statement.toString().strip();
        if (!s.isEmpty()) {
            statements.add(s);
        }
    }

    private static int line(String script, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (script.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
