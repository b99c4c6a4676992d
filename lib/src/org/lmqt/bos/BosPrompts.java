package org.lmqt.bos;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The generator's two prompts and how their answers are read (lmqt-spec §2.3): level 1 asks for the numbered
 * sub-topics of a topic as a comma-separated list; level 2 asks for a short explanation of a sub-topic, whose
 * lines of at least {@value #MIN_LINE} characters become records.
 */
public final class BosPrompts {
    /** Shortest level-2 line kept as a record, in characters (code points, as Python's {@code len}). */
    public static final int MIN_LINE = 60;
    private static final Pattern NUMBERED = Pattern.compile("^\\d+\\.\\s+(.*)$", Pattern.DOTALL);
    private static final Pattern SEPARATOR = Pattern.compile("[,\\n\\r]");

    private BosPrompts() {}

    /** Level 1: the {@code count} most important sub-topics of {@code topic}, numbered, no description. */
    public static String subTopics(String topic, int count) {
        return "Split the field of " + topic + " into its " + count + " most important sub-topics. Number every "
                + "sub-topic and give no description of it.\n"
                + "Write the answer as one line of comma separated values, for example: `1. first, 2. second, "
                + "3. third`";
    }

    /** Level 2: a concise explanation of {@code subTopic}. */
    public static String explanation(String subTopic) {
        return "Explain " + subTopic + " concisely, in about 100 to 120 words. Answer directly, without opening "
                + "words such as \"sure\", \"certainly\" or \"of course\", and do not begin with a role such as "
                + "\"system\" or \"expert\".";
    }

    /**
     * The sub-topics in a level-1 answer: the answer split into list items, and of those the ones that start
     * with {@code <digits>.<whitespace>}, that prefix removed; empty and repeated names are dropped. lmqt splits at
     * commas and at line breaks (a numbered answer on separate lines is read too); the original's LangChain list
     * parser split at commas only, so such an answer became one item.
     */
    public static List<String> parseSubTopics(String answer) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String item : SEPARATOR.split(answer)) {
            Matcher m = NUMBERED.matcher(item.strip());
            if (m.matches() && !m.group(1).isBlank()) {
                names.add(m.group(1).strip());
            }
        }
        return List.copyOf(names);
    }

    /** The lines of a level-2 answer (split at {@code \n}) that are at least {@value #MIN_LINE} characters long. */
    public static List<String> recordLines(String answer) {
        List<String> lines = new ArrayList<>();
        for (String line : answer.split("\n", -1)) {
            if (line.codePointCount(0, line.length()) >= MIN_LINE) {
                lines.add(line);
            }
        }
        return lines;
    }
}
