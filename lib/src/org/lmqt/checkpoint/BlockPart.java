package org.lmqt.checkpoint;

import java.util.List;
import java.util.Locale;
import org.lmqt.cli.UserException;

/**
 * The four parts of a decoder block whose inputs the sensitivity tool and the activation methods observe
 * (lmqt-spec §4.9, §5.4), named as the original's CSVs name them, with the matrices each part holds.
 */
public enum BlockPart {
    /** Input of q/k/v ({@code input_layernorm(h)}); the part's module is the whole self-attention. */
    ATTN_IN(List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")),
    /** Input of o_proj (the concatenated head outputs); the module is o_proj alone. */
    ATTN_OUT(List.of("self_attn.o_proj")),
    /** Input of gate/up ({@code post_attention_layernorm(h + attn)}); the module is the whole MLP. */
    MLP_GATE(List.of("mlp.gate_proj", "mlp.up_proj")),
    /** Input of down_proj ({@code silu(gate x) * up x}); the module is down_proj alone. */
    MLP_DOWN(List.of("mlp.down_proj"));

    private final List<String> modules;

    BlockPart(List<String> modules) {
        this.modules = modules;
    }

    /** The matrices the part's quantization replaces. */
    public List<String> modules() {
        return modules;
    }

    /** The name in CSVs: {@code attn_in}, {@code attn_out}, {@code mlp_gate}, {@code mlp_down}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The part a module belongs to, by its full name ({@code self_attn.q_proj}) or its last name ({@code q_proj});
     * a one-line error for other modules.
     */
    public static BlockPart ofModule(String module) {
        String last = module.substring(module.lastIndexOf('.') + 1);
        for (BlockPart p : values()) {
            if (p.modules.contains(module) || p.modules.stream().anyMatch(m -> m.endsWith("." + last))) {
                return p;
            }
        }
        throw new UserException("module " + module + " belongs to no block part (expected a q/k/v/o/gate/up/down_proj)");
    }

    /** The part with this CSV name ({@code attn_in}, ...); a one-line error else. */
    public static BlockPart ofLabel(String label) {
        for (BlockPart p : values()) {
            if (p.label().equals(label)) {
                return p;
            }
        }
        throw new UserException("unknown block part '" + label + "' (expected attn_in, attn_out, mlp_gate or mlp_down)");
    }
}
