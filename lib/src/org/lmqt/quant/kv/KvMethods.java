package org.lmqt.quant.kv;

import org.lmqt.model.KvPolicy;

/** The KV-cache methods by their command-line names ({@code --kv}). */
public final class KvMethods {
    private KvMethods() {}

    /** What {@code --kv} accepts, for help texts and errors. */
    public static final String NAMES = "none, kivi2, kivi4, kivi-k4v2 (optionally -g<group>-r<residual>, e.g. "
            + "kivi2-g32-r128), naive8 (naive<bits>[-asym][-tensor|-g<group>]), naive-e4m3 "
            + "(naive-<e4m3|e5m2>[-qtorch][-g<group>]), kvquant4 (kvquant<bits>[-f<first>], calibrated on --kv-calib)";

    /**
     * The policy of {@code name}: {@code none} (exact), a KIVI, LLMC naive or KVQuant config.
     *
     * @throws IllegalArgumentException for an unknown or malformed name
     */
    public static KvPolicy parse(String name) {
        if (name.equals("none")) {
            return KvPolicy.EXACT;
        }
        if (name.startsWith("kivi")) {
            return KiviPolicy.parse(name);
        }
        if (name.startsWith("naive")) {
            return NaiveKvPolicy.parse(name);
        }
        if (name.startsWith("kvquant")) {
            return KvQuantPolicy.parse(name);
        }
        throw new IllegalArgumentException("unknown KV-cache method " + name + " (" + NAMES + ")");
    }
}
