package org.lmqt.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Runs a picocli command the lmqt way: bad input and failures print one line ({@code <command>: error: ...})
 * with no stack trace and give a non-zero exit code (2 for bad options, 1 for failures). Set {@code LMQT_DEBUG=1}
 * to see stack traces.
 */
public final class Cli {

    private Cli() {}

    /** Executes {@code command} with {@code args}; returns the exit code. */
    public static int run(Object command, String... args) {
        CommandLine cmd = new CommandLine(command);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setUnmatchedOptionsAllowedAsOptionParameters(false);   // a mistyped flag is an error, not a value
        cmd.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(ex.getCommandLine().getCommandName() + ": error: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandName() + " --help' for usage and examples.");
            return 2;
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandName() + ": error: " + oneLine(ex));
            if (System.getenv("LMQT_DEBUG") != null) {
                ex.printStackTrace(commandLine.getErr());
            }
            return ex instanceof IllegalArgumentException || ex instanceof UserException ? 2 : 1;
        });
        return cmd.execute(args);
    }

    /** Executes and exits the JVM with the command's exit code (for a script's {@code main}). */
    public static void exit(Object command, String... args) {
        System.exit(run(command, args));
    }

    /** The message of {@code ex}, or of its innermost cause with a message, on one line. */
    public static String oneLine(Throwable ex) {
        Throwable t = ex;
        while ((t.getMessage() == null || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return msg.replace('\n', ' ').strip();
    }
}
