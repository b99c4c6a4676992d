package org.lmqt.bos;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.lmqt.cli.ProgressBar;
import org.lmqt.io.AtomicFiles;
import org.lmqt.io.PandasCsv;
import org.lmqt.io.TextRecords;

/**
 * The BoS calibration-set generator (the original's {@code utils/gen-ds-bos/generate.py}, lmqt-spec §2.3): for
 * every topic of the topics file it asks the served model for numbered sub-topics (level 1), then for a short
 * explanation of every sub-topic (level 2), and keeps the explanation's lines of at least 60 characters as rows
 * of {@code data-<short model id>-<variant>.csv}.
 *
 * <p>Beyond the original it resumes: the sub-topics of each topic are kept in
 * {@code data-<id>-<variant>.subtopics.csv} once asked (so a rerun asks the same ones), the data CSV is rewritten
 * atomically after every sub-topic, and a rerun skips the sub-topics already in it. Requests run
 * {@code concurrency} at a time; the files are written by the calling thread only.
 */
public final class BosGenerator {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /**
     * What to generate and where.
     *
     * @param model        served model name ({@code meta-llama/Llama-2-7b-chat-hf}); its short id names the files
     * @param variant      free text for the file names ({@code vLLM})
     * @param trace        write every raw answer to {@code llmOutputDir} and print timings
     * @param topicFile    the topics file
     * @param llmOutputDir folder of the trace logs (created when needed)
     * @param outputDir    folder of the data CSV (the original: the current folder)
     * @param concurrency  requests in flight at once, at least 1
     */
    public record Settings(String model, String variant, boolean trace, Path topicFile, Path llmOutputDir,
                           Path outputDir, int concurrency) {
        public Settings {
            if (model == null || model.isBlank() || variant == null || variant.isBlank()) {
                throw new IllegalArgumentException("model and variant must not be empty");
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
            }
        }

        /** The model's short id: the part after the last {@code /}. */
        public String shortId() {
            return model.substring(model.lastIndexOf('/') + 1);
        }

        /** {@code data-<short id>-<variant>.csv}. */
        public Path output() {
            return outputDir.resolve("data-" + shortId() + "-" + variant + ".csv");
        }

        /** The sub-topics asked so far, {@code data-<short id>-<variant>.subtopics.csv}. */
        public Path plan() {
            return outputDir.resolve("data-" + shortId() + "-" + variant + ".subtopics.csv");
        }
    }

    /**
     * What a run did.
     *
     * @param topics     topics in the file
     * @param subTopics  distinct sub-topics known after level 1
     * @param skipped    sub-topics skipped because the output already had them
     * @param newRecords rows added by this run
     * @param records    rows in the output now
     */
    public record Summary(int topics, int subTopics, int skipped, int newRecords, int records) {}

    private final Settings settings;
    private final CompletionClient client;
    private final PrintStream log;

    public BosGenerator(Settings settings, CompletionClient client, PrintStream log) {
        this.settings = settings;
        this.client = client;
        this.log = log;
    }

    /** Runs both levels; a failure leaves complete files behind and is rethrown as one line. */
    public Summary run() throws InterruptedException {
        long start = System.nanoTime();
        List<Topic> topics = Topic.read(settings.topicFile());
        Map<String, List<String>> plan = readPlan(settings.plan());
        List<BosRecord> records = new ArrayList<>(BosCsv.read(settings.output()));
        if (settings.trace()) {
            createDirectories(settings.llmOutputDir());
        }
        // level 1: the sub-topics of every topic not asked yet
        List<Topic> ask = topics.stream().filter(t -> !plan.containsKey(t.name())).toList();
        try (ProgressBar bar = new ProgressBar("level 1 (topics)", ask.size())) {
            runAll(ask.stream().<Callable<Answer>>map(t -> () -> timed(t.name(),
                    BosPrompts.subTopics(t.name(), t.count()))).toList(), a -> {
                        List<String> subs = BosPrompts.parseSubTopics(a.text());
                        if (subs.isEmpty()) {
                            log.println("generate-bos: topic '" + a.key() + "': no numbered sub-topics in the answer"
                                    + (settings.trace() ? " (see the level-1 trace log)" : " (rerun with --trace)"));
                        }
                        plan.put(a.key(), subs);
                        writePlan(settings.plan(), inFileOrder(plan, topics));
                        if (settings.trace()) {
                            AtomicFiles.writeString(traceLog("l1-" + a.key()), a.text());
                        }
                        bar.step();
                    }, records);
        }
        // level 2: an explanation of every sub-topic not in the output yet
        Set<String> done = new HashSet<>();
        records.forEach(r -> done.add(r.topic()));
        LinkedHashSet<String> all = new LinkedHashSet<>();
        topics.forEach(t -> all.addAll(plan.getOrDefault(t.name(), List.of())));
        List<String> todo = all.stream().filter(s -> !done.contains(s)).toList();
        int before = records.size();
        try (ProgressBar bar = new ProgressBar("level 2 (sub-topics)", todo.size())) {
            runAll(todo.stream().<Callable<Answer>>map(s -> () -> timed(s, BosPrompts.explanation(s))).toList(), a -> {
                String now = LocalDateTime.now().format(STAMP);
                BosPrompts.recordLines(a.text()).forEach(line -> records.add(new BosRecord(a.key(), line, now)));
                BosCsv.write(settings.output(), records);
                if (settings.trace()) {
                    AtomicFiles.writeString(traceLog(a.key()), a.text());
                    log.printf("generate-bos: %s: %.2f s%n", a.key(), a.seconds());
                }
                bar.step();
            }, records);
        }
        BosCsv.write(settings.output(), records);
        if (settings.trace()) {
            log.printf("generate-bos: total %.2f s%n", (System.nanoTime() - start) / 1e9);
        }
        return new Summary(topics.size(), all.size(), all.size() - todo.size(), records.size() - before,
                records.size());
    }

    /** An answer to one prompt. */
    private record Answer(String key, String text, double seconds) {}

    private Answer timed(String key, String prompt) throws InterruptedException {
        long t0 = System.nanoTime();
        String text = client.complete(prompt);
        return new Answer(key, text, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Runs {@code tasks} {@code concurrency} at a time and hands each answer to {@code onAnswer} on this thread;
     * the first failure cancels the rest and is rethrown with where the run stopped.
     */
    private void runAll(List<Callable<Answer>> tasks, Consumer<Answer> onAnswer, List<BosRecord> records)
            throws InterruptedException {
        if (tasks.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(settings.concurrency(), tasks.size()));
        try {
            CompletionService<Answer> cs = new ExecutorCompletionService<>(pool);
            tasks.forEach(cs::submit);
            for (int i = 0; i < tasks.size(); i++) {
                try {
                    onAnswer.accept(cs.take().get());
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    String why = cause instanceof CompletionClient.Failure ? cause.getMessage()
                            : org.lmqt.cli.Cli.oneLine(cause);
                    throw new CompletionClient.Failure(why + "; " + (Files.exists(settings.output())
                            ? records.size() + " rows kept in " + settings.output() + ", a rerun continues"
                            : "nothing written yet"));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code <llm-output-dir>/output-<key with spaces and "/" as "-">-<short id>-<variant>.log}. */
    private Path traceLog(String key) {
        return settings.llmOutputDir().resolve("output-" + key.replace(' ', '-').replace('/', '-') + "-"
                + settings.shortId() + "-" + settings.variant() + ".log");
    }

    /** The plan with the topics of the topics file first, in its order (answers arrive in any order). */
    private static Map<String, List<String>> inFileOrder(Map<String, List<String>> plan, List<Topic> topics) {
        Map<String, List<String>> ordered = new LinkedHashMap<>();
        topics.forEach(t -> {
            if (plan.containsKey(t.name())) {
                ordered.put(t.name(), plan.get(t.name()));
            }
        });
        plan.forEach(ordered::putIfAbsent);
        return ordered;
    }

    private static Map<String, List<String>> readPlan(Path file) {
        Map<String, List<String>> plan = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return plan;
        }
        List<String> topics = TextRecords.csvColumn(file, "topic");
        List<String> subs = TextRecords.csvColumn(file, "subtopic");
        for (int i = 0; i < topics.size(); i++) {
            List<String> list = plan.computeIfAbsent(topics.get(i), k -> new ArrayList<>());
            if (!subs.get(i).isEmpty()) {
                list.add(subs.get(i));
            }
        }
        return plan;
    }

    /** One row per (topic, sub-topic); a topic whose answer had none gets one row with an empty sub-topic. */
    private static void writePlan(Path file, Map<String, List<String>> plan) {
        AtomicFiles.writeText(file, w -> {
            w.write("topic,subtopic\n");
            for (var e : plan.entrySet()) {
                List<String> subs = e.getValue().isEmpty() ? List.of("") : e.getValue();
                for (String s : subs) {
                    w.write(PandasCsv.quote(e.getKey()) + "," + PandasCsv.quote(s) + "\n");
                }
            }
        });
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new org.lmqt.cli.UserException("cannot create " + dir + " (" + e.getMessage() + ")");
        }
    }
}
