package org.lmqt.eval.tasks;

import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * A document after lm-eval's {@code doc_to_text}, {@code doc_to_choice} and {@code doc_to_target}.
 *
 * @param kind    how requests are formed
 * @param text    the question ({@code MULTIPLE_CHOICE}, {@code LOGLIKELIHOOD}); "" for {@code MULTIPLE_INPUT}
 * @param choices the answers ({@code MULTIPLE_CHOICE}), the filled-in contexts ({@code MULTIPLE_INPUT}), or none
 * @param target  the shared continuation ({@code MULTIPLE_INPUT}), the target with its space ({@code LOGLIKELIHOOD}),
 *                or "" ({@code MULTIPLE_CHOICE})
 * @param gold    the right choice, {@value #NO_GOLD} when out of range or without choices
 */
public record RenderedDoc(Kind kind, String text, List<String> choices, String target, int gold) {
    /** lm-eval's gold for an out-of-range target: it never matches a prediction. */
    public static final int NO_GOLD = -100;

    /** lm-eval's {@code target_delimiter}. */
    public static final String TARGET_DELIMITER = " ";

    /** lm-eval's {@code fewshot_delimiter}. */
    public static final String FEWSHOT_DELIMITER = "\n\n";

    /** The request shape of a task. */
    public enum Kind {
        /** One request per choice: {@code (context, " " + choice)}. */
        MULTIPLE_CHOICE,
        /** One request per choice: {@code (prefix + choice, " " + target)} (winogrande's partial scoring). */
        MULTIPLE_INPUT,
        /** One request: {@code (context, target)}, the target carrying its own space (lambada). */
        LOGLIKELIHOOD
    }

    public RenderedDoc {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(target, "target");
        choices = List.copyOf(choices);
        if (kind == Kind.LOGLIKELIHOOD ? !choices.isEmpty() || gold != NO_GOLD : choices.isEmpty()) {
            throw new IllegalArgumentException(kind + " with " + choices.size() + " choices and gold " + gold);
        }
        if (gold != NO_GOLD && (gold < 0 || gold >= choices.size())) {
            gold = NO_GOLD;
        }
    }

    /** A multiple-choice document. */
    public static RenderedDoc multipleChoice(String text, List<String> choices, int gold) {
        return new RenderedDoc(Kind.MULTIPLE_CHOICE, text, choices, "", gold);
    }

    /** A document whose choices are contexts for one shared continuation. */
    public static RenderedDoc multipleInput(List<String> contexts, String target, int gold) {
        return new RenderedDoc(Kind.MULTIPLE_INPUT, "", contexts, target, gold);
    }

    /** A document with one scored target. */
    public static RenderedDoc loglikelihood(String text, String target) {
        return new RenderedDoc(Kind.LOGLIKELIHOOD, text, List.of(), target, NO_GOLD);
    }

    /**
     * This document as a few-shot example: {@code question + " " + answer + "\n\n"}, or the question alone when the
     * answer is "" (lm-eval's "no answer").
     */
    public String fewshotTurn() {
        if (kind != Kind.LOGLIKELIHOOD && gold == NO_GOLD) {
            throw new IllegalArgumentException("a few-shot example needs a gold answer");
        }
        String question = kind == Kind.MULTIPLE_INPUT ? choices.get(gold) : text;
        String answer = kind == Kind.MULTIPLE_CHOICE ? choices.get(gold) : target;
        return answer.isEmpty() ? question : question + TARGET_DELIMITER + answer + FEWSHOT_DELIMITER;
    }

    /** The requests of this document after {@code prefix} (description and few-shot turns), in choice order. */
    public List<Request> requests(int docId, String prefix) {
        return switch (kind) {
            case MULTIPLE_CHOICE -> indexed(i -> new Request(docId, i, prefix + text,
                    TARGET_DELIMITER + choices.get(i)));
            case MULTIPLE_INPUT -> indexed(i -> new Request(docId, i, prefix + choices.get(i),
                    TARGET_DELIMITER + target));
            case LOGLIKELIHOOD -> List.of(new Request(docId, 0, prefix + text, target));
        };
    }

    private List<Request> indexed(IntFunction<Request> request) {
        return IntStream.range(0, choices.size()).mapToObj(request).toList();
    }
}
