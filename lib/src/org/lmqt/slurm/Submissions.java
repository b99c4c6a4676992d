package org.lmqt.slurm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The job arrays submitted for one experiment, as recorded under {@code <experiment>/slurm/<stamp>/}: the
 * pending-subtask list {@code subtasks.tsv} (array index, plan index, state file, label) and {@code jobs.tsv}
 * (the array's and the combining job's ids), written after sbatch accepted them.
 */
public final class Submissions {
    /** Folder of the submissions inside the experiment folder. */
    public static final String DIR = "slurm";
    /** The list of array tasks of a submission. */
    public static final String SUBTASKS = "subtasks.tsv";
    /** The job ids of a submission. */
    public static final String JOBS = "jobs.tsv";

    /** One line of {@code subtasks.tsv}. */
    public record Task(int arrayIndex, int planIndex, String stateFile, String label) {}

    /** One submission: its folder, its tasks, and the ids sbatch gave. */
    public record Submission(Path dir, List<Task> tasks, String arrayJob, String combineJob) {
        /** The Slurm id of the array task for {@code stateFile} ({@code 12_3}), if it was in this submission. */
        public Optional<String> taskJob(String stateFile) {
            return tasks.stream().filter(t -> t.stateFile().equals(stateFile)).findFirst()
                    .map(t -> arrayJob + "_" + t.arrayIndex());
        }
    }

    private Submissions() {}

    /** The text of {@code subtasks.tsv}. */
    static String subtasksTsv(List<Task> tasks) {
        StringBuilder sb = new StringBuilder("array_index\tplan_index\tstate_file\tsubtask\n");
        for (Task t : tasks) {
            sb.append(t.arrayIndex()).append('\t').append(t.planIndex()).append('\t').append(t.stateFile())
                    .append('\t').append(t.label()).append('\n');
        }
        return sb.toString();
    }

    /** The submissions of {@code experimentDir} that sbatch accepted, oldest first. */
    public static List<Submission> list(Path experimentDir) {
        Path root = experimentDir.resolve(DIR);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Submission> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.filter(p -> Files.isRegularFile(p.resolve(JOBS))).sorted().toList()) {
                Map<String, String> jobs = new LinkedHashMap<>();
                for (String l : Files.readAllLines(d.resolve(JOBS), StandardCharsets.UTF_8)) {
                    String[] f = l.split("\t");
                    if (f.length == 2) {
                        jobs.put(f[0], f[1]);
                    }
                }
                List<Task> tasks = new ArrayList<>();
                List<String> lines = Files.readAllLines(d.resolve(SUBTASKS), StandardCharsets.UTF_8);
                for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
                    String[] f = l.split("\t");
                    if (f.length == 4) {
                        tasks.add(new Task(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], f[3]));
                    }
                }
                out.add(new Submission(d, tasks, jobs.getOrDefault("array_job", ""),
                        jobs.getOrDefault("combine_job", "")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the submissions in " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The latest submission that had an array task for {@code stateFile}. */
    public static Optional<Submission> latestFor(List<Submission> submissions, String stateFile) {
        for (int i = submissions.size() - 1; i >= 0; i--) {
            if (submissions.get(i).taskJob(stateFile).isPresent()) {
                return Optional.of(submissions.get(i));
            }
        }
        return Optional.empty();
    }
}
