package org.stepdpo.jobs;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Runs a job's command line: picocli parses the flags (an unknown or malformed flag is named in the
 * error), the job runs, and failures become exit codes. Only {@code main} methods call
 * {@link System#exit}; everything below them throws.
 */
public final class JobRunner {
    /** Exit code for bad flags, files or configuration. */
    public static final int USAGE_ERROR = 2;
    /** Exit code for a failure while running. */
    public static final int RUN_ERROR = 1;

    private JobRunner() {}

    /** Parses {@code args} into {@code job}, runs it and returns the exit code. */
    public static int execute(Callable<Integer> job, String[] args) {
        return execute(job, args, new PrintWriter(System.err, true));
    }

    /** As {@link #execute(Callable, String[])}, with errors and usage written to {@code err}. */
    public static int execute(Callable<Integer> job, String[] args, PrintWriter err) {
        CommandLine cl = new CommandLine(job).setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter w = commandLine.getErr();
            String name = commandLine.getCommandName();
            if (e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException) {
                w.println(name + ": error: " + e.getMessage());
                w.flush();
                return USAGE_ERROR;
            }
            w.println(name + ": failed: " + e);
            e.printStackTrace(w);
            w.flush();
            return RUN_ERROR;
        });
        return cl.execute(args);
    }
}
