package org.lmqt.eval.tasks;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.lmqt.calib.PythonRandom;

/**
 * lm-eval's few-shot sampler after {@code set_fewshot_seed(seed)}: one {@code random.Random(seed)} stream per task,
 * consumed document by document in the order {@link #select} is called.
 *
 * @param <D> the document type
 */
public final class FewshotSampler<D> {
    /** How the examples are drawn. */
    public enum Kind {
        /** {@code rnd.sample(pool, n)}: the task has a test split, the pool cannot hold the eval doc. */
        SAMPLE,
        /** {@code rnd.sample(pool, n + 1)}, entries equal to the eval doc dropped, the first {@code n} kept. */
        SAMPLE_EXCLUDING_EVAL_DOC,
        /** The first {@code n} pool rows in order, for every document ({@code first_n}). */
        FIRST_N
    }

    private final Kind kind;
    private final List<D> pool;
    private final int shots;
    private final PythonRandom random;

    /** A sampler of {@code shots} examples from {@code pool} with lm-eval's seed {@code seed}. */
    public FewshotSampler(Kind kind, List<D> pool, int shots, long seed) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.pool = List.copyOf(pool);
        if (shots < 0 || shots > this.pool.size()) {
            throw new IllegalArgumentException(shots + " few-shot examples from a pool of " + this.pool.size());
        }
        this.shots = shots;
        this.random = new PythonRandom(seed);
    }

    /** The pool rows of {@code evalDoc}'s examples, in context order (none and no draw for 0-shot). */
    public int[] select(D evalDoc) {
        if (shots == 0) {
            return new int[0];
        }
        return switch (kind) {
            case SAMPLE -> random.sample(pool.size(), shots);
            case SAMPLE_EXCLUDING_EVAL_DOC -> Arrays.stream(random.sample(pool.size(), shots + 1))
                    .filter(i -> !pool.get(i).equals(evalDoc)).limit(shots).toArray();
            case FIRST_N -> IntStream.range(0, shots).toArray();
        };
    }

    /** The pool row {@code i}. */
    public D row(int i) {
        return pool.get(i);
    }
}
