package org.lmqt.eval.tasks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A group's {@code acc} from its tasks' results as lm-eval aggregates it with {@code weight_by_size: true}: the
 * mean of the tasks' {@code acc} weighted by their document counts (the micro average over all documents), and
 * {@code pooled_sample_stderr} of {@code lm_eval/api/metrics.py} as its standard error: the pooled sample variance
 * {@code sum((n_i - 1) * n_i * stderr_i^2) / (N - k)} over the {@code k} tasks ({@code n_i * stderr_i^2} is task
 * i's sample variance), divided by {@code N = sum(n_i)}, square-rooted. A group is aggregated over all its leaf
 * tasks at once, as lm-eval's {@code Group.aggregate} does (older 0.4 releases pooled the subgroups' pooled values
 * instead, which differs slightly for {@code mmlu}).
 *
 * <p>Where lmqt differs: a task of one document (its stderr is nan: lm-eval's {@code n - 1} division fails there)
 * adds no variance, which is its sum of squares, 0, rather than making the group's stderr nan.
 */
public final class GroupMetrics {
    private GroupMetrics() {}

    /** A task's share of a group: its documents and its {@code acc} and {@code acc_stderr}. */
    public record Member(int documents, double acc, double accStderr) {
        public Member {
            if (documents <= 0) {
                throw new IllegalArgumentException("a group member needs documents, not " + documents);
            }
        }

        /** The member of an evaluated task. */
        public static Member of(TaskEvaluation.Outcome o) {
            Double acc = o.metrics().get("acc");
            Double stderr = o.metrics().get("acc_stderr");
            if (acc == null || stderr == null) {
                throw new IllegalArgumentException("a group member needs acc and acc_stderr: " + o.metrics());
            }
            return new Member(o.documents(), acc, stderr);
        }
    }

    /** {@code acc}, {@code acc_stderr} and {@code samples} (the document count) of a group of {@code members}. */
    public static Map<String, Double> aggregate(List<Member> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a group needs at least one evaluated task");
        }
        long total = 0;
        double weighted = 0;
        double pooledSquares = 0;
        for (Member m : members) {
            total += m.documents();
            weighted += m.documents() * m.acc();
            // (n - 1) * sample variance = (n - 1) * n * stderr^2; a 1-document task adds nothing
            if (m.documents() > 1) {
                pooledSquares += (m.documents() - 1.0) * m.documents() * m.accStderr() * m.accStderr();
            }
        }
        double pooledVariance = pooledSquares / (total - members.size());
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("acc", weighted / total);
        out.put("acc_stderr", Math.sqrt(pooledVariance / total));
        out.put("samples", (double) total);
        return out;
    }
}
