package org.lmqt.report;

import java.util.List;
import java.util.Locale;

/** The names the paper's figures use for models, methods and attempts (the original's {@code functions/utils.R}). */
public final class Labels {
    /** The three models of the paper, in its order. */
    public static final List<String> PAPER_MODELS = List.of("Llama-2-7b-hf", "Llama-2-13b-hf", "Meta-Llama-3-8B");

    private Labels() {}

    /** {@code Llama-2-7b-hf} becomes {@code Llama-2-7B}, {@code Meta-Llama-3-8B} becomes {@code Llama-3-8B}. */
    public static String model(String shortId) {
        String s = shortId.replaceFirst("^Meta-", "").replaceFirst("-hf$", "");
        return s.replaceAll("-(\\d+)b(?=$|-)", "-$1B");
    }

    /**
     * {@code mxq} becomes {@code MXQ}, {@code bnb} {@code BnB}, {@code smoothquant} {@code SmoothQuant},
     * {@code zeroquant} {@code ZeroQuant}, {@code fp8} {@code FP8}, and so on; a KV-cache variant keeps its cache
     * method after a plus ({@code hqq+kivi2-g32-r128} is {@code HQQ+kivi2-g32-r128}).
     */
    public static String method(String algo) {
        int plus = algo.indexOf('+');
        if (plus >= 0) {
            return method(algo.substring(0, plus)) + algo.substring(plus);
        }
        return switch (algo.toLowerCase(Locale.ROOT)) {
            case "bnb" -> "BnB";
            case "fp16" -> "FP16";
            case "smoothquant" -> "SmoothQuant";
            case "zeroquant" -> "ZeroQuant";
            default -> algo.toUpperCase(Locale.ROOT);
        };
    }

    /**
     * The label of an attempt: {@code hqq} is HQQ, {@code mxq1}/{@code mxq2} are MXQ, others are abbreviated as
     * the original does ({@code sensi-boost-2-1} is SB21, {@code kurt-scaled} is KurtScaled).
     */
    public static String attempt(String attempt) {
        if (attempt.isEmpty() || attempt.equals("hqq")) {
            return "HQQ";
        }
        if (attempt.matches("mxq\\d*")) {
            return "MXQ";
        }
        String[][] abbrev = {{"sensi-boost", "SB"}, {"sensi-abl", "SBAB"}, {"kurt-boost", "KB"}, {"kurt-abl", "KBAB"},
            {"sensi-milp-abl", "SMAB"}, {"kurt-milp-abl", "KMAB"}, {"sensi-milp", "SM"}, {"kurt-milp", "KM"}};
        for (String[] a : abbrev) {
            if (attempt.startsWith(a[0] + "-") && attempt.substring(a[0].length() + 1).matches("[\\d-]+")) {
                return a[1] + attempt.substring(a[0].length()).replace("-", "");
            }
        }
        StringBuilder camel = new StringBuilder();
        for (String part : attempt.split("-")) {
            camel.append(part.isEmpty() ? "" : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return camel.toString();
    }
}
