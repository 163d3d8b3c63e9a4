package dev.batchscore.sql;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs a SQL script statement by statement on a {@link StreamTableEnvironment}: {@code SET 'k' =
 * 'v'} sets a session option, every other statement goes to {@code executeSql}, and the job of an
 * {@code INSERT} (or statement set) is awaited before the next statement, with a progress line
 * every few seconds. The totals come from the tensorflow provider's counters ({@link
 * ScoringMetrics}, which the cluster must report to).
 *
 * <pre>{@code
 * SqlScript.Summary s = new SqlScript(env, System.err).run(Files.readString(script));
 * System.out.println(s.line());   // sql: 1000 rows scored in 8 model calls
 * }</pre>
 */
public final class SqlScript {
    /** ML_PREDICT's default async capacity (10) would cap every batch at 10 rows. */
    public static final int DEFAULT_ASYNC_CAPACITY = 1024;

    /** Iceberg's FlinkConfigOptions.TABLE_EXEC_ICEBERG_USE_V2_SINK (no Iceberg dependency here). */
    static final String ICEBERG_V2_SINK = "table.exec.iceberg.use-v2-sink";

    private static final Pattern SET =
            Pattern.compile("(?is)^SET\\s+'((?:[^']|'')*)'\\s*=\\s*'((?:[^']|'')*)'$");
    private static final long PROGRESS_SECONDS = 5;

    private final StreamTableEnvironment tEnv;
    private final PrintStream progress;
    private Consumer<JobClient> onSubmit = job -> {};
    private Function<JobClient, Optional<String>> stopSavepoint = job -> Optional.empty();

    /**
     * The totals of a script's jobs.
     *
     * @param resumedFrom the savepoint or checkpoint a job was restored from ({@code
     *     execution.state-recovery.path}), or null: the counts are then those of the resumed jobs
     *     only, not of the runs before the stop
     * @param stoppedWith the savepoint the last job was stopped with, or null if it was not
     *     stopped: the statements after it did not run
     */
    public record Summary(
            long rows,
            long rejected,
            long calls,
            List<String> jobIds,
            String resumedFrom,
            String stoppedWith) {
        /**
         * {@code sql: <rows> rows scored in <calls> model calls}, and after a resume what those
         * counts cover.
         */
        public String line() {
            String line = "sql: " + rows + " rows scored in " + calls + " model calls";
            return resumedFrom == null
                    ? line
                    : line
                            + " by this run, resumed from "
                            + resumedFrom
                            + " (rows committed before that savepoint are not counted)";
        }
    }

    public SqlScript(StreamExecutionEnvironment env, PrintStream progress) {
        this.tEnv = StreamTableEnvironment.create(env);
        this.progress = progress;
        tEnv.getConfig()
                .set(
                        ExecutionConfigOptions
                                .TABLE_EXEC_ASYNC_ML_PREDICT_MAX_CONCURRENT_OPERATIONS,
                        DEFAULT_ASYNC_CAPACITY);
        // Iceberg's SinkV2 sink, as the DataStream job uses: the older FlinkSink lost the rows of
        // a writer subtask that finished checkpoints before the others (SqlITCase).
        tEnv.getConfig().getConfiguration().setString(ICEBERG_V2_SINK, "true");
    }

    /** Called with every job the script submits, right after submission (tests stop it). */
    public SqlScript onSubmit(Consumer<JobClient> listener) {
        this.onSubmit = listener;
        return this;
    }

    /**
     * Tells, once a job has ended, the savepoint it was stopped with, if it was stopped (a stopped
     * job ends as FINISHED too; only its cluster knows): the script then ends there, with {@link
     * Summary#stoppedWith()} set. Without it, every ended job counts as finished.
     */
    public SqlScript stopSavepoint(Function<JobClient, Optional<String>> check) {
        this.stopSavepoint = check;
        return this;
    }

    /** The session the script runs in. */
    public StreamTableEnvironment tableEnvironment() {
        return tEnv;
    }

    /**
     * The defaults of a local run: checkpoints every 10 s (the Iceberg sink commits on them) and
     * the DataStream job's restart bounds; a script's {@code SET} overrides them.
     */
    public static Configuration localDefaults(Configuration conf) {
        conf.setString("execution.checkpointing.interval", "10 s");
        conf.setString("restart-strategy.type", "fixed-delay");
        conf.setString("restart-strategy.fixed-delay.attempts", "3");
        conf.setString("restart-strategy.fixed-delay.delay", "2 s");
        return ScoringMetrics.enable(conf);
    }

    /** Runs every statement; throws at the first failing one (its job's failure included). */
    public Summary run(String script) throws Exception {
        List<String> statements = SqlStatements.split(script);
        List<String> jobs = new ArrayList<>();
        String resumedFrom = null;
        String stoppedWith = null;
        for (int i = 0; i < statements.size(); i++) {
            String statement = statements.get(i);
            progress.println(
                    "sql: [" + (i + 1) + "/" + statements.size() + "] " + headline(statement));
            Matcher set = SET.matcher(statement);
            if (set.matches()) {
                tEnv.getConfig()
                        .getConfiguration()
                        .setString(unquote(set.group(1)), unquote(set.group(2)));
                continue;
            }
            TableResult result = tEnv.executeSql(statement);
            if (result.getJobClient().isEmpty()) {
                if (result.getResultKind()
                        == org.apache.flink.table.api.ResultKind.SUCCESS_WITH_CONTENT) {
                    printRows(result);
                }
                continue;
            }
            JobClient job = result.getJobClient().get();
            String id = job.getJobID().toString();
            jobs.add(id);
            resumedFrom =
                    tEnv.getConfig()
                            .getOptional(StateRecoveryOptions.SAVEPOINT_PATH)
                            .orElse(resumedFrom);
            onSubmit.accept(job);
            if (isQuery(statement)) {
                printRows(result);
            }
            await(job);
            stoppedWith = stopSavepoint.apply(job).orElse(null);
            progress.println(
                    "sql: job "
                            + id
                            + (stoppedWith == null
                                    ? " finished: "
                                    : " stopped with savepoint " + stoppedWith + ": ")
                            + ScoringMetrics.rowsScored(id)
                            + " rows scored ("
                            + ScoringMetrics.rowsRejected(id)
                            + " rejected) in "
                            + ScoringMetrics.modelCalls(id)
                            + " model calls");
            if (stoppedWith != null) {
                break;
            }
        }
        long rows = 0;
        long rejected = 0;
        long calls = 0;
        for (String id : jobs) {
            rows += ScoringMetrics.rowsScored(id);
            rejected += ScoringMetrics.rowsRejected(id);
            calls += ScoringMetrics.modelCalls(id);
        }
        return new Summary(rows, rejected, calls, List.copyOf(jobs), resumedFrom, stoppedWith);
    }

    private void await(JobClient job) throws Exception {
        String id = job.getJobID().toString();
        CompletableFuture<JobExecutionResult> done = job.getJobExecutionResult();
        while (true) {
            try {
                done.get(PROGRESS_SECONDS, TimeUnit.SECONDS);
                return;
            } catch (TimeoutException stillRunning) {
                progress.println(
                        "sql: job "
                                + id
                                + " running: "
                                + ScoringMetrics.rowsScored(id)
                                + " rows scored in "
                                + ScoringMetrics.modelCalls(id)
                                + " model calls so far");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
    }

    private void printRows(TableResult result) throws Exception {
        try (CloseableIterator<Row> rows = result.collect()) {
            while (rows.hasNext()) {
                progress.println(rows.next());
            }
        }
    }

    private static boolean isQuery(String statement) {
        String s = statement.stripLeading().toUpperCase(Locale.ROOT);
        return s.startsWith("SELECT") || s.startsWith("WITH") || s.startsWith("VALUES");
    }

    /** The statement's first line, shortened: what progress shows. */
    private static String headline(String statement) {
        String first = statement.lines().findFirst().orElse("").strip();
        return first.length() > 100 ? first.substring(0, 97) + "..." : first;
    }

    private static String unquote(String s) {
        return s.replace("''", "'");
    }
}
