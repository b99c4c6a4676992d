package org.lmqt.metadata;

import java.util.Arrays;
import java.util.List;
import org.lmqt.cli.UserException;

/**
 * The parts of a decoder block whose sensitivity the original measures (spec §4.9, §5.4), with the weight matrices
 * each part holds: the attention input (q, k, v), the attention output (o), the MLP gate (gate, up) and the MLP down
 * projection.
 */
public enum BlockPart {
    ATTN_IN("attn_in", List.of("q_proj", "k_proj", "v_proj")),
    ATTN_OUT("attn_out", List.of("o_proj")),
    MLP_GATE("mlp_gate", List.of("gate_proj", "up_proj")),
    MLP_DOWN("mlp_down", List.of("down_proj"));

    private final String label;
    private final List<String> matrices;

    BlockPart(String label, List<String> matrices) {
        this.label = label;
        this.matrices = matrices;
    }

    /** The name in the sensitivity CSVs ({@code attn_in} ...). */
    public String label() {
        return label;
    }

    /** The part a module belongs to, by its last name ({@code self_attn.q_proj} -> attn_in); one-line error else. */
    public static BlockPart ofModule(String module) {
        String last = module.substring(module.lastIndexOf('.') + 1);
        return Arrays.stream(values()).filter(p -> p.matrices.contains(last)).findFirst()
                .orElseThrow(() -> new UserException("module " + module + " belongs to no block part (expected a "
                        + "q/k/v/o/gate/up/down_proj)"));
    }

    /** The part with this CSV name; one-line error else. */
    public static BlockPart ofLabel(String label) {
        return Arrays.stream(values()).filter(p -> p.label.equals(label)).findFirst()
                .orElseThrow(() -> new UserException("unknown block part '" + label + "' (expected attn_in, "
                        + "attn_out, mlp_gate or mlp_down)"));
    }
}
