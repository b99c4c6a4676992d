package org.lmqt.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A stand-in for the model work: a deterministic perplexity per subtask (from its identity), a random
 * {@code quant_duration}, optional failures and an optional delay per subtask.
 */
final class FakeRunner implements SubtaskRunner {
    final List<String> ran = new ArrayList<>();
    private final Set<String> failingConfigs;
    private final long delayMillis;

    FakeRunner(Set<String> failingConfigs, long delayMillis) {
        this.failingConfigs = failingConfigs;
        this.delayMillis = delayMillis;
    }

    FakeRunner() {
        this(Set.of(), 0);
    }

    /** The perplexity the fake reports for {@code s}. */
    static double perplexity(Subtask s) {
        return 5 + Math.floorMod(s.key().hashCode(), 10_000) / 1000.0;
    }

    @Override
    public ResultRow run(Subtask s) throws Exception {
        ran.add(s.label());
        Thread.sleep(delayMillis);
        if (failingConfigs.contains(s.cfg())) {
            throw new IllegalStateException("cannot quantize " + s.cfg() + ",\nsecond line");
        }
        return ResultRow.empty(s).with("ppl_wikitext", ResultRow.round(perplexity(s), 4))
                .with("quant_duration", Math.random());
    }

    @Override
    public String note(Subtask s) {
        return "fake";
    }
}
