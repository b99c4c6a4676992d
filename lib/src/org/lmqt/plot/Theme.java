package org.lmqt.plot;

import java.util.List;
import java.util.Map;

/**
 * The one look of all lmqt figures: fonts, sizes readable when a figure is scaled to paper width, and the palettes
 * (quantization configs, methods, datasets, win-tie-loss). Figures take colours from here only.
 */
public final class Theme {
    private Theme() {}

    /** Font family of every text. */
    public static final String FONT = "Helvetica, Arial, sans-serif";
    /** Base font size in px (axis titles, legends); ticks are one px smaller, titles larger. */
    public static final int FONT_SIZE = 14;
    public static final int TITLE_SIZE = 18;
    /** Colour of text and axis lines. */
    public static final String INK = "#222222";
    public static final String GRID = "#e5e5e5";

    /** The 12 MXQ candidate configs in the original's order, coloured like ColorBrewer "Paired" (as the original). */
    public static final Map<String, String> CONFIG_COLORS = orderedMap(
            List.of("b2g128", "b2g64", "b2g32", "b3g128", "b3g64", "b3g32",
                    "b4g128", "b4g64", "b4g32", "b8g128", "b8g64", "b8g32"),
            List.of("#a6cee3", "#1f78b4", "#b2df8a", "#33a02c", "#fb9a99", "#e31a1c",
                    "#fdbf6f", "#ff7f00", "#cab2d6", "#6a3d9a", "#ffff99", "#b15928"));

    /** Method colours (Okabe-Ito, distinguishable with colour-vision deficiencies). */
    public static final Map<String, String> METHOD_COLORS = orderedMap(
            List.of("MXQ", "HQQ", "GPTQ", "AWQ", "BnB", "FP16", "RTN", "SmoothQuant", "ZeroQuant", "FP8", "FP4",
                    "MXFP8", "MXFP4"),
            List.of("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#555555", "#56B4E9", "#F0E442",
                    "#882255", "#44AA99", "#117733", "#332288", "#AA4499"));

    /** Marker symbols per method (baselines are markers; MXQ small dots). */
    public static final Map<String, String> METHOD_SYMBOLS = orderedMap(
            List.of("MXQ", "HQQ", "GPTQ", "AWQ", "BnB", "FP16", "RTN", "SmoothQuant", "ZeroQuant", "FP8", "FP4",
                    "MXFP8", "MXFP4"),
            List.of("circle", "square", "diamond", "triangle-up", "cross", "star", "x", "pentagon",
                    "hexagon", "triangle-down", "triangle-left", "diamond-wide", "hourglass"));

    /**
     * The marker symbol of a method; a KV-cache variant ({@code HQQ+kivi2-g32-r128}) takes its weight method's
     * symbol, open.
     */
    public static String methodSymbol(String method) {
        int plus = method.indexOf('+');
        if (plus >= 0) {
            String base = METHOD_SYMBOLS.getOrDefault(method.substring(0, plus), "circle");
            return base.endsWith("-open") ? base : base + "-open";
        }
        return METHOD_SYMBOLS.getOrDefault(method, "circle");
    }

    /** Dataset colours (solarized blue and red, as the original's perplexity plot). */
    public static final Map<String, String> DATASET_COLORS = orderedMap(
            List.of("WikiText2", "C4"), List.of("#268bd2", "#dc322f"));

    /** Win, tie and loss colours of the original's win-tie-loss chart. */
    public static final Map<String, String> WTL_COLORS = orderedMap(
            List.of("Win", "Tie", "Loss"), List.of("#66c2a5", "#8da0cb", "#fc8d62"));

    /** The colour of a config ({@code b4g64}); grey for configs outside the 12 candidates. */
    public static String configColor(String config) {
        return CONFIG_COLORS.getOrDefault(config, "#999999");
    }

    /** The colour of a method label ({@code MXQ}, {@code HQQ}, ...); grey for others. */
    public static String methodColor(String method) {
        int plus = method.indexOf('+');
        return METHOD_COLORS.getOrDefault(plus >= 0 ? method.substring(0, plus) : method, "#777777");
    }

    private static Map<String, String> orderedMap(List<String> keys, List<String> values) {
        var m = new java.util.LinkedHashMap<String, String>();
        for (int i = 0; i < keys.size(); i++) {
            m.put(keys.get(i), values.get(i));
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
