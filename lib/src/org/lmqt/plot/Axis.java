package org.lmqt.plot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** An immutable Plotly axis (cartesian {@code xaxis}/{@code yaxis}, or a polar axis), built with {@link Builder}. */
public final class Axis {
    private final ObjectNode json;

    private Axis(ObjectNode json) {
        this.json = json;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A copy of the JSON. */
    public ObjectNode toJson() {
        return json.deepCopy();
    }

    /** Builder with the attributes our figures use; {@link #set} reaches any other Plotly axis attribute. */
    public static final class Builder {
        private final ObjectNode json = Json.object();

        private Builder() {}

        public Builder set(String path, Object value) {
            Json.set(json, path, value);
            return this;
        }

        public Builder title(String title) {
            return set("title.text", title);
        }

        public Builder range(double from, double to) {
            return set("range", List.of(from, to));
        }

        /** {@code "linear"}, {@code "log"}, {@code "category"}. */
        public Builder type(String type) {
            return set("type", type);
        }

        public Builder dtick(double dtick) {
            return set("dtick", dtick);
        }

        /** Explicit tick positions and their labels. */
        public Builder ticks(List<?> values, List<String> labels) {
            set("tickvals", values);
            return set("ticktext", labels);
        }

        /** {@code "left"}, {@code "right"}, {@code "top"}, {@code "bottom"}. */
        public Builder side(String side) {
            return set("side", side);
        }

        /** Draws this axis over another one ({@code "x"}, {@code "y2"}...), for secondary axes. */
        public Builder overlaying(String axisId) {
            return set("overlaying", axisId);
        }

        /** The axis id this one is anchored to ({@code "x3"}, {@code "free"}). */
        public Builder anchor(String axisId) {
            return set("anchor", axisId);
        }

        /** Fraction of the plot area this axis spans. */
        public Builder domain(double from, double to) {
            return set("domain", List.of(from, to));
        }

        public Builder showGrid(boolean show) {
            return set("showgrid", show);
        }

        public Builder visible(boolean visible) {
            return set("visible", visible);
        }

        /** Keeps the axis range when traces change (matches another axis: {@code "x"}). */
        public Builder matches(String axisId) {
            return set("matches", axisId);
        }

        public Axis build() {
            return new Axis(json.deepCopy());
        }
    }
}
