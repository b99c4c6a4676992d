package org.lmqt.plot;

import java.util.List;

/**
 * What a headless browser saw after loading a figure page.
 *
 * @param rendered      the page's render promise resolved ({@code data-lmqt-rendered})
 * @param plotlyTraces  traces Plotly holds ({@code gd.data.length}, as the page reported it)
 * @param drawnTraces   trace groups Plotly drew into the SVG ({@code <g class="trace ...">} elements in the DOM)
 * @param svg           Plotly's {@code main-svg} is in the DOM
 * @param errors        script errors and {@code console.error} messages, in order
 */
public record RenderResult(boolean rendered, int plotlyTraces, int drawnTraces, boolean svg, List<String> errors) {
    public RenderResult {
        errors = List.copyOf(errors);
    }

    /** Rendered with an SVG and without errors. */
    public boolean ok() {
        return rendered && svg && errors.isEmpty();
    }
}
