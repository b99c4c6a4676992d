package org.lmqt.plot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An immutable Plotly figure: traces, layout and config as JSON, with the lmqt {@link Theme} applied. Built with
 * {@link Builder}; written as a self-contained page by {@link HtmlPage}.
 */
public final class PlotlyFigure {
    private final List<Trace> traces;
    private final ObjectNode layout;
    private final String title;

    private PlotlyFigure(List<Trace> traces, ObjectNode layout, String title) {
        this.traces = List.copyOf(traces);
        this.layout = layout;
        this.title = title;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The traces, in drawing order. */
    public List<Trace> traces() {
        return traces;
    }

    /** The figure title (also the HTML page title). */
    public String title() {
        return title;
    }

    /** Width in px of the figure (the page and static exports use it). */
    public int width() {
        return layout.path("width").asInt(900);
    }

    /** Height in px. */
    public int height() {
        return layout.path("height").asInt(600);
    }

    /** A copy of the layout JSON. */
    public ObjectNode layout() {
        return layout.deepCopy();
    }

    /** {@code {"data": [...], "layout": {...}, "config": {...}}}, the arguments of {@code Plotly.newPlot}. */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        ArrayNode data = o.putArray("data");
        traces.forEach(t -> data.add(t.toJson()));
        o.set("layout", layout.deepCopy());
        ObjectNode config = o.putObject("config");
        config.put("displaylogo", false);
        config.put("responsive", false);
        ObjectNode img = config.putObject("toImageButtonOptions");
        img.put("format", "svg");
        img.put("filename", title.replaceAll("[^A-Za-z0-9._-]+", "_"));
        return o;
    }

    /** Builder; layout attributes are set by dotted paths, axes and annotations with helpers. */
    public static final class Builder {
        private final List<Trace> traces = new ArrayList<>();
        private final ObjectNode layout = Json.object();
        private final ArrayNode annotations = Json.MAPPER.createArrayNode();
        private final ArrayNode shapes = Json.MAPPER.createArrayNode();
        private String title = "lmqt figure";

        private Builder() {
            size(900, 600);
        }

        /** The title shown above the plot and used as the page title. */
        public Builder title(String title) {
            this.title = title;
            return layout("title.text", title);
        }

        /** Figure size in px. */
        public Builder size(int width, int height) {
            if (width < 100 || height < 100) {
                throw new IllegalArgumentException("figure size too small: " + width + "x" + height);
            }
            layout("width", width);
            return layout("height", height);
        }

        public Builder trace(Trace trace) {
            traces.add(trace);
            return this;
        }

        public Builder traces(List<Trace> list) {
            traces.addAll(list);
            return this;
        }

        /** Sets any layout attribute ({@code "legend.orientation"}, {@code "polar.hole"}...). */
        public Builder layout(String path, Object value) {
            Json.set(layout, path, value);
            return this;
        }

        /** Sets axis {@code axisId} ({@code x}, {@code y2}...) in the layout. */
        public Builder axis(String axisId, Axis axis) {
            layout.set(Grid.layoutKey(axisId), axis.toJson());
            return this;
        }

        /** A text annotation at paper or data coordinates ({@code xref}/{@code yref} such as {@code "paper"}, {@code "x2"}). */
        public Builder annotation(String text, double x, double y, String xref, String yref, Map<String, Object> extra) {
            ObjectNode a = Json.object();
            a.put("text", text);
            a.put("x", x);
            a.put("y", y);
            a.put("xref", xref);
            a.put("yref", yref);
            a.put("showarrow", false);
            extra.forEach((k, v) -> Json.set(a, k, v));
            annotations.add(a);
            return this;
        }

        /** A layout shape (line, rect) given as Plotly attributes, e.g. {@code type, x0, x1, y0, y1, xref, yref, line.dash}. */
        public Builder shape(Map<String, Object> attributes) {
            ObjectNode s = Json.object();
            attributes.forEach((k, v) -> Json.set(s, k, v));
            shapes.add(s);
            return this;
        }

        public PlotlyFigure build() {
            ObjectNode l = themed(layout.deepCopy());
            if (!annotations.isEmpty()) {
                l.set("annotations", annotations.deepCopy());
            }
            if (!shapes.isEmpty()) {
                l.set("shapes", shapes.deepCopy());
            }
            return new PlotlyFigure(traces, l, title);
        }

        // fonts, background and axis style of Theme, without overriding what the figure set itself
        private static ObjectNode themed(ObjectNode l) {
            putIfAbsent(l, "font.family", Theme.FONT);
            putIfAbsent(l, "font.size", Theme.FONT_SIZE);
            putIfAbsent(l, "font.color", Theme.INK);
            putIfAbsent(l, "title.font.size", Theme.TITLE_SIZE);
            putIfAbsent(l, "title.x", 0.5);
            putIfAbsent(l, "paper_bgcolor", "white");
            putIfAbsent(l, "plot_bgcolor", "white");
            putIfAbsent(l, "margin.t", 70);
            for (Iterator<Map.Entry<String, JsonNode>> it = l.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().matches("[xy]axis\\d*") && e.getValue() instanceof ObjectNode axis) {
                    putIfAbsent(axis, "showline", true);
                    putIfAbsent(axis, "linecolor", Theme.INK);
                    putIfAbsent(axis, "gridcolor", Theme.GRID);
                    putIfAbsent(axis, "zeroline", false);
                    putIfAbsent(axis, "ticks", "outside");
                    putIfAbsent(axis, "automargin", true);
                    putIfAbsent(axis, "tickfont.size", Theme.FONT_SIZE - 2);
                }
            }
            return l;
        }

        private static void putIfAbsent(ObjectNode o, String path, Object value) {
            JsonNode n = o;
            for (String k : path.split("\\.")) {
                n = n == null ? null : n.get(k);
            }
            if (n == null || n.isMissingNode()) {
                Json.set(o, path, value);
            }
        }
    }
}
