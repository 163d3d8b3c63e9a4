package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.OptionsTable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code batchscore run --config job.yaml [--<key> <value> ...]}: the job options are handed, as
 * typed and in order, to {@code JobConfig.fromArgs} (the parser the job jar's {@code main} uses
 * too), so an unknown key gets its "did you mean" message from there. The run itself is {@link
 * dev.batchscore.pipeline.RunCommand}.
 */
@Command(
        name = "run",
        customSynopsis = "batchscore run --config job.yaml [--<key> <value> ...]",
        description = {
            "Run a scoring job on an embedded Flink MiniCluster: run --config job.yaml [--<key>"
                    + " <value> ...]",
            "",
            "Validates the configuration, the model, Kafka and the tables, runs the bounded job and"
                    + " prints what it committed. Options come from the command line, else the"
                    + " YAML config file (flat a.b.c: v keys or nested maps), else their defaults."
                    + " On a cluster: flink run batchscore.jar --config job.yaml",
            "--resume-from SAVEPOINT resumes a run stopped with batchscore stop (exit code 3)."
        },
        parameterListHeading = "%n",
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the input was scored and the run is complete",
            "1:failed",
            "2:a wrong option or value",
            "3:stopped with a savepoint before the end of the input; resume with --resume-from",
            "4:the pipeline is claimed by another run (see batchscore release)"
        })
final class RunCommand implements Callable<Integer> {
    /** The help section that lists every job option, generated from the option constants. */
    static final String JOB_OPTIONS_SECTION = "jobOptions";

    @Mixin Cli.HelpOption help;
    @Mixin Cli.VerboseOption verbose;

    @Parameters(
            paramLabel = "--<key> <value>",
            description = {
                "--config FILE: the YAML config file; --resume-from SAVEPOINT: the savepoint to"
                        + " resume (execution.state-recovery.path); --<key> <value> or"
                        + " --<key>=<value>: any job option below, which wins over the file"
            })
    List<String> jobArgs = new ArrayList<>();

    private final Cli.Io io;

    RunCommand(Cli.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws Exception {
        return dev.batchscore.pipeline.RunCommand.run(
                jobArgs.toArray(new String[0]), io.out(), io.err());
    }

    /** Adds the job options (the same table as the README's) after the options of {@code cmd}. */
    static void addJobOptionsSection(CommandLine cmd) {
        List<String> keys = new ArrayList<>(cmd.getHelpSectionKeys());
        keys.add(
                keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER_HEADING),
                JOB_OPTIONS_SECTION);
        cmd.setHelpSectionKeys(keys);
        cmd.getHelpSectionMap()
                .put(
                        JOB_OPTIONS_SECTION,
                        h -> String.format("%nJob options:%n") + OptionsTable.plainText());
    }
}
