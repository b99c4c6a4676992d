package org.lmqt.harness;

/** Does the work of one subtask (quantize if needed, then measure) and returns its result row. */
public interface SubtaskRunner {

    /** Runs {@code s}; any exception is recorded as the subtask's failure. */
    ResultRow run(Subtask s) throws Exception;

    /** A note on {@code s} for {@code --dry-run} ({@code snapshot cached}); empty by default. */
    default String note(Subtask s) {
        return "";
    }
}
