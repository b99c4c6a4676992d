package org.lmqt.eval.niah;

/**
 * What is hidden and asked: the needle sentence, the question, the answer the scorer looks for, and how the
 * question is put.
 *
 * @param needle   the needle sentence; it is inserted with a line break before and after (the reference's default
 *                 needle text carries them)
 * @param question the retrieval question
 * @param expected the answer (its normalised form must occur in the model's normalised answer)
 * @param style    how {@link NiahPrompt} asks
 */
public record NeedleSpec(String needle, String question, String expected, Style style) {
    /** The common setup's needle (gkamradt's LLMTest_NeedleInAHaystack). */
    public static final String SF_NEEDLE =
            "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.";
    /** Its retrieval question. */
    public static final String SF_QUESTION = "What is the best thing to do in San Francisco?";
    /** The part of the needle that answers it. */
    public static final String SF_ANSWER = "eat a sandwich and sit in Dolores Park on a sunny day";
    /** The default needle, question and answer. */
    public static final NeedleSpec SAN_FRANCISCO = new NeedleSpec(SF_NEEDLE, SF_QUESTION, SF_ANSWER);
    /** The filler of the passkey test (Landmark Attention's, as KIVI and qllm-infer use it), joined by spaces. */
    public static final String PASSKEY_FILLER =
            "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
    /** The passkey test's question. */
    public static final String PASSKEY_QUESTION = "What is the pass key?";
    /** The words the passkey answer is completed from. */
    public static final String PASSKEY_CUE = "The pass key is";

    /** How the question is put. */
    public enum Style {
        /**
         * {@code Question: <question>} and an instruction to answer with the sentence of the text, after a blank
         * line; a plain prompt ends in {@code Answer:}.
         */
        QUESTION,
        /**
         * The passkey test's form: the question on the line after the context, and the answer started with
         * {@link #PASSKEY_CUE} (after the chat template's generation prompt, when there is one).
         */
        PASSKEY
    }

    public NeedleSpec {
        if (needle == null || needle.isBlank() || question == null || question.isBlank()) {
            throw new IllegalArgumentException("the needle and the question must not be empty");
        }
        if (expected == null || NiahScore.normalize(expected).isEmpty()) {
            throw new IllegalArgumentException("the expected answer must hold letters or digits");
        }
        if (style == null) {
            throw new IllegalArgumentException("a needle needs a question style");
        }
    }

    /** A needle asked in the {@link Style#QUESTION} form. */
    public NeedleSpec(String needle, String question, String expected) {
        this(needle, question, expected, Style.QUESTION);
    }

    /** The passkey test with {@code key}: "The pass key is K. Remember it. K is the pass key." */
    public static NeedleSpec passkey(long key) {
        if (key < 0) {
            throw new IllegalArgumentException("the pass key must be a non-negative number, got " + key);
        }
        return new NeedleSpec("The pass key is " + key + ". Remember it. " + key + " is the pass key.",
                PASSKEY_QUESTION, Long.toString(key), Style.PASSKEY);
    }

    /** The passkey test's key for {@code seed}: uniform in 1..50000 as the references draw it. */
    public static long passkeyFor(long seed) {
        return 1 + new java.util.SplittableRandom(seed).nextLong(50000);
    }

    /** The text spliced into the haystack: the needle on a line of its own. */
    public String insertedText() {
        return "\n" + needle + "\n";
    }
}
