package org.lmqt.slurm;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts this JVM again on the same program: the same {@code java} executable, its options
 * (heap, {@code --add-modules}, {@code -D} switches) and class path, and the main class. Array tasks start with it
 * rather than through {@code ./jbang}: nothing is resolved or compiled again on the compute node, every task runs
 * exactly the build that was submitted, and no JBang cache is written by many tasks at once. The class path (JBang
 * keeps it under {@code ~/.jbang/cache}) and the JDK must be on a file system the nodes share, as is usual for
 * home folders on a cluster.
 */
public final class JvmCommand {

    private JvmCommand() {}

    /** The command that runs {@code mainClass} in a JVM like this one. */
    public static List<String> current(Class<?> mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // a debugger's agent would fight over its port; the class path comes below
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Djava.class.path=")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        return cmd;
    }
}
