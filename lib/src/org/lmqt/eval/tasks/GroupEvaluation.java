package org.lmqt.eval.tasks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.lmqt.cli.UserException;
import org.lmqt.model.LlamaModel;

/**
 * A task group (MMLU) on one model: every member task whose eval split is in the hub cache, each evaluated as
 * {@link TaskEvaluation} does (the first {@code limit} documents of each), then the group metrics of
 * {@link GroupMetrics} for the group and, for {@code mmlu}, its four categories.
 *
 * @param group the group
 * @param shots few-shot examples per context
 * @param seed  the few-shot seed
 */
public record GroupEvaluation(TaskGroup group, int shots, long seed) {

    /**
     * What a group run measured.
     *
     * @param tasks   each evaluated member's outcome, in the group's order
     * @param groups  the reported groups' {@code acc}, {@code acc_stderr} and {@code samples}, by group name (a
     *                category without any cached subject is left out)
     * @param missing the members not in the cache
     */
    public record Outcome(Map<String, TaskEvaluation.Outcome> tasks, Map<String, Map<String, Double>> groups,
                          List<String> missing) {
        public Outcome {
            tasks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
            groups = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(groups));
            missing = List.copyOf(missing);
        }

        /** Documents of all members. */
        public int documents() {
            return tasks.values().stream().mapToInt(TaskEvaluation.Outcome::documents).sum();
        }

        /** Requests of all members. */
        public int requests() {
            return tasks.values().stream().mapToInt(TaskEvaluation.Outcome::requests).sum();
        }

        /** Seconds of scoring, all members. */
        public double seconds() {
            return tasks.values().stream().mapToDouble(TaskEvaluation.Outcome::seconds).sum();
        }
    }

    /**
     * The files of the members in the hub cache {@code cache}, by task name in the group's order; members whose eval
     * split is not there are left out. A one-line error when none is there, or when a present member lacks its
     * few-shot split.
     */
    public Map<String, TaskFiles> cachedMembers(Path cache) {
        Map<String, TaskFiles> out = new LinkedHashMap<>();
        for (String name : group.tasks()) {
            LoglikelihoodTask<?> t = Tasks.byName(name);
            if (t.source().isCached(t.source().evalSplit(), cache)) {
                out.put(name, TaskFiles.fromHubCache(t, cache, shots));
            }
        }
        if (out.isEmpty()) {
            LoglikelihoodTask<?> first = Tasks.byName(group.tasks().get(0));
            throw new UserException(group.name() + ": none of its " + group.tasks().size() + " tasks is in the "
                    + "Hugging Face hub cache " + cache + " (" + first.source().datasetId() + ", one config per "
                    + "task, e.g. " + String.join(" or ", first.source().globs(first.source().evalSplit())) + ")");
        }
        return out;
    }

    /** The requests the members of {@code members} make. */
    public int requests(Map<String, TaskFiles> members, Optional<Integer> limit) {
        int n = 0;
        for (var e : members.entrySet()) {
            n += new TaskEvaluation(Tasks.byName(e.getKey()), shots, seed).requests(e.getValue(), limit);
        }
        return n;
    }

    /** Evaluates {@code model} on {@code members} (from {@link #cachedMembers}); {@code onRequest} sees each. */
    public Outcome run(LlamaModel model, Function<String, long[]> encoder, Map<String, TaskFiles> members,
                       Optional<Integer> limit, IntConsumer onRequest) {
        return run(model, encoder, members, limit, true, onRequest);
    }

    /** As {@link #run(LlamaModel, Function, Map, Optional, IntConsumer)}, prefix sharing on or off. */
    public Outcome run(LlamaModel model, Function<String, long[]> encoder, Map<String, TaskFiles> members,
                       Optional<Integer> limit, boolean sharePrefixes, IntConsumer onRequest) {
        Map<String, TaskEvaluation.Outcome> tasks = new LinkedHashMap<>();
        for (var e : members.entrySet()) {
            tasks.put(e.getKey(), new TaskEvaluation(Tasks.byName(e.getKey()), shots, seed).run(model, encoder,
                    e.getValue(), limit, sharePrefixes, onRequest));
        }
        List<String> missing = group.tasks().stream().filter(t -> !members.containsKey(t)).toList();
        return new Outcome(tasks, aggregate(tasks), missing);
    }

    /** The reported groups' metrics over the evaluated members among their tasks. */
    public Map<String, Map<String, Double>> aggregate(Map<String, TaskEvaluation.Outcome> tasks) {
        Map<String, Map<String, Double>> groups = new LinkedHashMap<>();
        for (TaskGroup g : group.reported()) {
            List<GroupMetrics.Member> members = new ArrayList<>();
            for (String t : g.tasks()) {
                if (tasks.containsKey(t)) {
                    members.add(GroupMetrics.Member.of(tasks.get(t)));
                }
            }
            if (!members.isEmpty()) {
                groups.put(g.name(), GroupMetrics.aggregate(members));
            }
        }
        return groups;
    }
}
