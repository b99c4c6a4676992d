package org.lmqt.plot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One immutable Plotly trace, held as its JSON. Built with {@link Builder}: typed setters for the attributes our
 * figures use and {@link Builder#set(String, Object)} for any other Plotly attribute (dotted paths). This is the
 * raw-JSON counterpart of tablesaw-jsplot's trace builders; it also covers trace types jsplot lacks
 * ({@code barpolar}).
 */
public final class Trace {
    private final ObjectNode json;

    private Trace(ObjectNode json) {
        this.json = json;
    }

    /** A builder for a trace of Plotly type {@code type} ({@code "scatter"}, {@code "bar"}, {@code "barpolar"}...). */
    public static Builder of(String type) {
        return new Builder(type);
    }

    /** A scatter trace (markers and/or lines, by {@link Builder#mode}). */
    public static Builder scatter() {
        return of("scatter");
    }

    /** A bar trace. */
    public static Builder bar() {
        return of("bar");
    }

    /** A polar bar trace: {@code r} bar lengths at angles {@code theta} (degrees), starting at {@code base}. */
    public static Builder barPolar() {
        return of("barpolar");
    }

    /** The Plotly type. */
    public String type() {
        return json.get("type").asText();
    }

    /** The trace name (legend entry), or empty. */
    public String name() {
        return json.has("name") ? json.get("name").asText() : "";
    }

    /** A copy of the JSON. */
    public ObjectNode toJson() {
        return json.deepCopy();
    }

    /** Immutable-result builder; each setter returns the builder. */
    public static final class Builder {
        private final ObjectNode json = Json.object();

        private Builder(String type) {
            if (type == null || type.isBlank()) {
                throw new IllegalArgumentException("trace type must not be blank");
            }
            json.put("type", type);
        }

        /** Sets any Plotly attribute; dots address nested objects ({@code "marker.line.width"}). */
        public Builder set(String path, Object value) {
            Json.set(json, path, value);
            return this;
        }

        public Builder name(String name) {
            return set("name", name);
        }

        public Builder x(List<?> x) {
            return set("x", x);
        }

        public Builder y(List<?> y) {
            return set("y", y);
        }

        /** Radial values of a polar trace. */
        public Builder r(List<?> r) {
            return set("r", r);
        }

        /** Angles (degrees) of a polar trace. */
        public Builder theta(List<?> theta) {
            return set("theta", theta);
        }

        /** Where bars start (bar and barpolar). */
        public Builder base(Object base) {
            return set("base", base);
        }

        /** Bar width (data units, or degrees for barpolar); a number or a list. */
        public Builder width(Object width) {
            return set("width", width);
        }

        /** {@code "markers"}, {@code "lines"}, {@code "lines+markers"}. */
        public Builder mode(String mode) {
            return set("mode", mode);
        }

        /** Marker (or bar) colour: one colour or a list. */
        public Builder color(Object color) {
            return set("marker.color", color);
        }

        /** Per-point text (labels, hover). */
        public Builder text(List<?> text) {
            return set("text", text);
        }

        /** The x axis id ({@code "x"}, {@code "x2"}...) the trace is drawn on. */
        public Builder xAxis(String axis) {
            return set("xaxis", axis);
        }

        /** The y axis id ({@code "y"}, {@code "y2"}...) the trace is drawn on. */
        public Builder yAxis(String axis) {
            return set("yaxis", axis);
        }

        /** Groups legend entries: traces of one group toggle together. */
        public Builder legendGroup(String group) {
            return set("legendgroup", group);
        }

        public Builder showLegend(boolean show) {
            return set("showlegend", show);
        }

        public Builder hoverTemplate(String template) {
            return set("hovertemplate", template);
        }

        public Trace build() {
            return new Trace(json.deepCopy());
        }
    }
}
