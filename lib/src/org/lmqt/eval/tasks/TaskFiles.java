package org.lmqt.eval.tasks;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The files of a task's eval split and of its few-shot pool (JSON lines or parquet, several files read in order).
 *
 * @param docs the eval split's files
 * @param pool the few-shot split's files; empty when not given (a 0-shot run needs none)
 */
public record TaskFiles(List<Path> docs, List<Path> pool) {
    public TaskFiles {
        docs = List.copyOf(docs);
        pool = List.copyOf(pool);
        if (docs.isEmpty()) {
            throw new IllegalArgumentException("a task needs its documents' files");
        }
    }

    /** One documents file and maybe a pool file. */
    public static TaskFiles of(Path docs, Optional<Path> pool) {
        return new TaskFiles(List.of(docs), pool.map(List::of).orElse(List.of()));
    }

    /**
     * The splits of {@code task} in the hub cache {@code cache} as lm-eval loads them: the eval split, and the
     * few-shot split when {@code shots > 0}; a one-line error naming the dataset, config, split and the folders
     * looked in when one is missing.
     */
    public static TaskFiles fromHubCache(LoglikelihoodTask<?> task, Path cache, int shots) {
        TaskSource s = task.source();
        List<Path> docs = s.find(s.evalSplit(), cache);
        return new TaskFiles(docs, shots == 0 ? List.of() : s.fewshotSplit().equals(s.evalSplit()) ? docs
                : s.find(s.fewshotSplit(), cache));
    }

    /** How the files read in a message: the first file, and how many more. */
    public String describe() {
        return docs.get(0) + (docs.size() > 1 ? " (and " + (docs.size() - 1) + " more)" : "");
    }
}
