package org.lmqt.actquant;

import java.nio.file.Path;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LinearFactory;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.act.WeightQuantFormat;

/** Loads a checkpoint with every decoder linear's weight fake-quantized in one format ({@code --weight-quant}). */
public final class FakeQuantLoading {
    private FakeQuantLoading() {}

    /** The model of {@code dir} with its linears in {@code format}, as dense float layers. */
    public static LoadedModel open(Path dir, String shortId, WeightQuantFormat format, ComputeDevice device) {
        FakeQuantRecipe recipe = new FakeQuantRecipe(format.name(), k -> java.util.Optional.of(format),
                java.util.Optional.empty());
        try (Checkpoint ckpt = Checkpoint.open(dir)) {   // the sources below only view it
            WeightSource base = WeightSource.of(ckpt);
            WeightSource source = new MatrixOverrides(base, recipe.quantizeWeights(base, base.config().numLayers()));
            return LoadedModel.of(LlamaModel.load(source, device, LinearFactory.STANDARD), dir, shortId);
        }
    }
}
