package org.lmqt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CLIP family's module labels and tensor paths; the Llama family unchanged. */
class ClipFamilyTest {

    @Test
    void labelsMapToHuggingFaceTensorsAndBack() {
        ModelFamily f = ModelFamily.CLIP;
        assertEquals("vision_model.encoder.layers.11.mlp.fc1.weight", f.weightName(11, "vision.mlp.c_fc"));
        assertEquals("text_model.encoder.layers.0.mlp.fc2.weight", f.weightName(0, "text.mlp.c_proj"));
        assertEquals("text_model.encoder.layers.3.self_attn.out_proj.bias",
                new MatrixKey(3, "text.attn.out_proj").biasName(f));
        assertEquals(Optional.of(new MatrixKey(11, "vision.mlp.c_fc")),
                MatrixKey.ofWeight("vision_model.encoder.layers.11.mlp.fc1.weight", f));
        assertEquals(Optional.of(new MatrixKey(2, "text.mlp.c_proj")),
                MatrixKey.ofWeight("text_model.encoder.layers.2.mlp.fc2.weight", f));
        // attention is not among the quantizable matrices; biases, norms and other names are no matrices
        assertEquals(Optional.empty(), MatrixKey.ofWeight("vision_model.encoder.layers.0.self_attn.q_proj.weight", f));
        assertEquals(Optional.empty(), MatrixKey.ofWeight("vision_model.encoder.layers.0.mlp.fc1.bias", f));
        assertEquals(Optional.empty(), MatrixKey.ofWeight("vision_model.encoder.layers.x.mlp.fc1.weight", f));
        assertEquals(Optional.empty(), MatrixKey.ofWeight("visual_projection.weight", f));
    }

    @Test
    void llamaNamingIsUnchanged() {
        ModelFamily f = ModelFamily.LLAMA;
        assertEquals("model.layers.3.mlp.up_proj.weight", f.weightName(3, "mlp.up_proj"));
        assertEquals(Optional.of(new MatrixKey(3, "mlp.up_proj")),
                MatrixKey.ofWeight("model.layers.3.mlp.up_proj.weight", f));
    }
}
