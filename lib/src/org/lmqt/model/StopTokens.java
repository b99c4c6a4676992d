package org.lmqt.model;

import java.util.HashSet;
import java.util.Set;

/** The token ids that end a generation: the model config's {@code eos_token_id} (one id or a list). */
public final class StopTokens {
    private StopTokens() {}

    /** The model's end-of-sequence ids; empty when its config names none. */
    public static Set<Long> eos(LlamaModel model) {
        Set<Long> ids = new HashSet<>();
        var eos = model.config().json().path("eos_token_id");
        if (eos.isArray()) {
            eos.forEach(e -> ids.add(e.asLong()));
        } else if (eos.canConvertToLong()) {
            ids.add(eos.asLong());
        }
        return Set.copyOf(ids);
    }
}
