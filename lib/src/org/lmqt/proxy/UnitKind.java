package org.lmqt.proxy;

import java.util.Locale;
import org.lmqt.cli.UserException;

/** What {@code correlate} quantizes at a time: one weight matrix, or all matrices of one block part of a layer. */
public enum UnitKind {
    /** One linear layer ({@code 3.mlp.down_proj}). */
    MATRIX,
    /** The matrices of one {@link org.lmqt.checkpoint.BlockPart} of a layer ({@code 3.attn_in}: q, k and v). */
    BLOCK_PART;

    /** The command-line name: {@code matrix} or {@code block-part}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The kind of a command-line name; a one-line error else. */
    public static UnitKind parse(String name) {
        for (UnitKind k : values()) {
            if (k.label().equals(name.strip().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new UserException("unknown unit '" + name + "' (expected matrix or block-part)");
    }
}
