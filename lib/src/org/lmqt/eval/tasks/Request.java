package org.lmqt.eval.tasks;

import java.util.Objects;

/**
 * One loglikelihood request as lm-eval builds it: the model scores {@code continuation} after {@code context}.
 *
 * @param docId        the eval document's index in its split
 * @param idx          the choice index (0 for a task with one request per document)
 * @param context      the prompt: description, few-shot turns and the document's text (or its choice)
 * @param continuation the scored string, with its target delimiter
 */
public record Request(int docId, int idx, String context, String continuation) {
    public Request {
        if (docId < 0 || idx < 0) {
            throw new IllegalArgumentException("negative doc id or choice index: " + docId + ", " + idx);
        }
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(continuation, "continuation");
    }
}
