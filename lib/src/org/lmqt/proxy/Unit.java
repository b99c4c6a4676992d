package org.lmqt.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.cli.UserException;

/**
 * What one measurement quantizes, leaving every other matrix in full precision: one matrix, or the matrices of a
 * block part of one layer.
 *
 * @param id       the unit's key in the CSV: {@code <layer>.<module>} ({@code 0.self_attn.q_proj}) or
 *                 {@code <layer>.<part>} ({@code 0.attn_in})
 * @param kind     matrix or block part
 * @param layer    the decoder block
 * @param name     the module ({@code self_attn.q_proj}) or the part's label ({@code attn_in})
 * @param matrices the matrices the unit quantizes
 */
public record Unit(String id, UnitKind kind, int layer, String name, List<MatrixKey> matrices) {

    public Unit {
        matrices = List.copyOf(matrices);
        if (matrices.isEmpty()) {
            throw new IllegalArgumentException("unit " + id + " has no matrices");
        }
        if (matrices.stream().anyMatch(m -> m.layer() != layer)) {
            throw new IllegalArgumentException("unit " + id + " mixes layers: " + matrices);
        }
    }

    /** One matrix. */
    public static Unit of(MatrixKey key) {
        return new Unit(key.id(), UnitKind.MATRIX, key.layer(), key.module(), List.of(key));
    }

    /** The matrices of {@code part} in {@code layer}. */
    public static Unit of(int layer, BlockPart part) {
        return new Unit(layer + "." + part.label(), UnitKind.BLOCK_PART, layer, part.label(),
                part.modules().stream().map(m -> new MatrixKey(layer, m)).toList());
    }

    /**
     * Every unit of a model of {@code layers} blocks, layer-major: matrices in the family's FNorm-table order (q, v,
     * k, o, gate, up, down), block parts in {@link BlockPart} order. {@code only} keeps the units of the named
     * matrix kinds ({@code q_proj} or {@code self_attn.q_proj}) or block parts ({@code attn_in}); empty keeps all. An
     * unknown name is a one-line error.
     */
    public static List<Unit> all(UnitKind kind, ModelFamily family, int layers, Set<String> only) {
        List<String> names = kind == UnitKind.MATRIX ? family.linearModules()
                : java.util.Arrays.stream(BlockPart.values()).map(BlockPart::label).toList();
        Set<String> kept = new java.util.HashSet<>();
        for (String wanted : only) {
            String match = names.stream().filter(n -> n.equals(wanted) || n.endsWith("." + wanted)).findFirst()
                    .orElseThrow(() -> new UserException("unknown " + (kind == UnitKind.MATRIX ? "matrix kind '"
                            : "block part '") + wanted + "' (expected one of " + String.join(", ", names.stream()
                            .map(n -> n.substring(n.lastIndexOf('.') + 1)).toList()) + ")"));
            kept.add(match);
        }
        List<Unit> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (String n : names) {
                if (!kept.isEmpty() && !kept.contains(n)) {
                    continue;
                }
                out.add(kind == UnitKind.MATRIX ? of(new MatrixKey(l, n)) : of(l, BlockPart.ofLabel(n)));
            }
        }
        return out;
    }
}
