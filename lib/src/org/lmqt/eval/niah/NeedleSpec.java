package org.lmqt.eval.niah;

/**
 * What is hidden and asked: the needle sentence, the question, and the answer the scorer looks for.
 *
 * @param needle   the needle sentence; it is inserted with a line break before and after (the reference's default
 *                 needle text carries them)
 * @param question the retrieval question
 * @param expected the answer (its normalised form must occur in the model's normalised answer)
 */
public record NeedleSpec(String needle, String question, String expected) {
    /** The common setup's needle (gkamradt's LLMTest_NeedleInAHaystack). */
    public static final String SF_NEEDLE =
            "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.";
    /** Its retrieval question. */
    public static final String SF_QUESTION = "What is the best thing to do in San Francisco?";
    /** The part of the needle that answers it. */
    public static final String SF_ANSWER = "eat a sandwich and sit in Dolores Park on a sunny day";
    /** The default needle, question and answer. */
    public static final NeedleSpec SAN_FRANCISCO = new NeedleSpec(SF_NEEDLE, SF_QUESTION, SF_ANSWER);

    public NeedleSpec {
        if (needle == null || needle.isBlank() || question == null || question.isBlank()) {
            throw new IllegalArgumentException("the needle and the question must not be empty");
        }
        if (expected == null || NiahScore.normalize(expected).isEmpty()) {
            throw new IllegalArgumentException("the expected answer must hold letters or digits");
        }
    }

    /** The text spliced into the haystack: the needle on a line of its own. */
    public String insertedText() {
        return "\n" + needle + "\n";
    }
}
