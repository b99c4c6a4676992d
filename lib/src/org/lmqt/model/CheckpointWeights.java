package org.lmqt.model;

import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.Tensor;

/** A checkpoint's tensors as they are stored; closing it closes the checkpoint. */
class CheckpointWeights implements WeightSource {
    /** The checkpoint read. */
    protected final Checkpoint ckpt;

    CheckpointWeights(Checkpoint ckpt) {
        this.ckpt = ckpt;
    }

    @Override
    public ModelConfig config() {
        return ckpt.config();
    }

    @Override
    public boolean contains(String name) {
        return ckpt.contains(name);
    }

    @Override
    public Tensor tensor(String name) {
        return ckpt.tensor(name);
    }

    @Override
    public void close() {
        ckpt.close();
    }
}
