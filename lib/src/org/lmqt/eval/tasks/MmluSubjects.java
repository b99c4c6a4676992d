package org.lmqt.eval.tasks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MMLU's 57 subjects ({@code cais/mmlu} configs) and the category lm-eval files each under: the {@code SUBJECTS}
 * map of {@code lm_eval/tasks/mmlu/_generate_configs.py}, which tags every {@code mmlu_<subject>} task with
 * {@code mmlu_<category>_tasks}, the members of the groups {@code mmlu_stem}, {@code mmlu_humanities},
 * {@code mmlu_social_sciences} and {@code mmlu_other}.
 */
public final class MmluSubjects {
    /** The four categories, in lm-eval's group order of {@code _mmlu.yaml}. */
    public static final List<String> CATEGORIES = List.of("stem", "other", "social_sciences", "humanities");

    private static final Map<String, String> CATEGORY = new LinkedHashMap<>();

    static {
        String[][] subjects = {
            {"abstract_algebra", "stem"}, {"anatomy", "stem"}, {"astronomy", "stem"},
            {"business_ethics", "other"}, {"clinical_knowledge", "other"}, {"college_biology", "stem"},
            {"college_chemistry", "stem"}, {"college_computer_science", "stem"}, {"college_mathematics", "stem"},
            {"college_medicine", "other"}, {"college_physics", "stem"}, {"computer_security", "stem"},
            {"conceptual_physics", "stem"}, {"econometrics", "social_sciences"}, {"electrical_engineering", "stem"},
            {"elementary_mathematics", "stem"}, {"formal_logic", "humanities"}, {"global_facts", "other"},
            {"high_school_biology", "stem"}, {"high_school_chemistry", "stem"},
            {"high_school_computer_science", "stem"}, {"high_school_european_history", "humanities"},
            {"high_school_geography", "social_sciences"},
            {"high_school_government_and_politics", "social_sciences"},
            {"high_school_macroeconomics", "social_sciences"}, {"high_school_mathematics", "stem"},
            {"high_school_microeconomics", "social_sciences"}, {"high_school_physics", "stem"},
            {"high_school_psychology", "social_sciences"}, {"high_school_statistics", "stem"},
            {"high_school_us_history", "humanities"}, {"high_school_world_history", "humanities"},
            {"human_aging", "other"}, {"human_sexuality", "social_sciences"}, {"international_law", "humanities"},
            {"jurisprudence", "humanities"}, {"logical_fallacies", "humanities"}, {"machine_learning", "stem"},
            {"management", "other"}, {"marketing", "other"}, {"medical_genetics", "other"},
            {"miscellaneous", "other"}, {"moral_disputes", "humanities"}, {"moral_scenarios", "humanities"},
            {"nutrition", "other"}, {"philosophy", "humanities"}, {"prehistory", "humanities"},
            {"professional_accounting", "other"}, {"professional_law", "humanities"},
            {"professional_medicine", "other"}, {"professional_psychology", "social_sciences"},
            {"public_relations", "social_sciences"}, {"security_studies", "social_sciences"},
            {"sociology", "social_sciences"}, {"us_foreign_policy", "social_sciences"}, {"virology", "other"},
            {"world_religions", "humanities"},
        };
        for (String[] s : subjects) {
            CATEGORY.put(s[0], s[1]);
        }
    }

    /** Every subject, alphabetically (lm-eval's order). */
    public static final List<String> ALL = List.copyOf(CATEGORY.keySet());

    private MmluSubjects() {}

    /** Whether {@code subject} is one of the 57. */
    public static boolean isSubject(String subject) {
        return CATEGORY.containsKey(subject);
    }

    /** The category of {@code subject}. */
    public static String category(String subject) {
        String c = CATEGORY.get(subject);
        if (c == null) {
            throw new IllegalArgumentException("not an MMLU subject: " + subject);
        }
        return c;
    }

    /** The subjects of {@code category}, alphabetically. */
    public static List<String> of(String category) {
        if (!CATEGORIES.contains(category)) {
            throw new IllegalArgumentException("not an MMLU category: " + category + " (" + CATEGORIES + ")");
        }
        return ALL.stream().filter(s -> CATEGORY.get(s).equals(category)).toList();
    }
}
