package org.lmqt.plot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.Map;

/**
 * Small helpers around Jackson (which comes with tablesaw-jsplot) for building Plotly JSON: values of any common
 * Java type become JSON nodes, and dotted paths ({@code "marker.color"}) address nested objects.
 */
public final class Json {
    /** The shared mapper; Jackson mappers are thread-safe once configured. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** A new empty JSON object. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Converts numbers, strings, booleans, collections, arrays, maps and JSON nodes to a JSON node. */
    public static JsonNode node(Object value) {
        if (value == null) {
            return MAPPER.nullNode();
        }
        if (value instanceof JsonNode n) {
            return n.deepCopy();
        }
        if (value instanceof Double d && !Double.isFinite(d)) {
            return MAPPER.nullNode(); // Plotly treats null as a gap; NaN is not valid JSON
        }
        if (value instanceof Collection<?> c) {
            ArrayNode a = MAPPER.createArrayNode();
            c.forEach(v -> a.add(node(v)));
            return a;
        }
        if (value instanceof double[] ds) {
            ArrayNode a = MAPPER.createArrayNode();
            for (double d : ds) {
                a.add(node(d));
            }
            return a;
        }
        if (value instanceof Map<?, ?> m) {
            ObjectNode o = object();
            m.forEach((k, v) -> o.set(String.valueOf(k), node(v)));
            return o;
        }
        return MAPPER.valueToTree(value);
    }

    /** Sets {@code path} (dots separate nested keys) in {@code target} to {@code value}, creating objects on the way. */
    public static void set(ObjectNode target, String path, Object value) {
        String[] keys = path.split("\\.");
        ObjectNode o = target;
        for (int i = 0; i < keys.length - 1; i++) {
            JsonNode next = o.get(keys[i]);
            o = next instanceof ObjectNode on ? on : o.putObject(keys[i]);
        }
        o.set(keys[keys.length - 1], node(value));
    }

    /** Compact JSON text. */
    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise JSON: " + e.getMessage(), e);
        }
    }
}
