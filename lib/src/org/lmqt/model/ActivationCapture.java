package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lmqt.checkpoint.BlockPart;

/**
 * A {@link ForwardHook} that keeps copies of the inputs of chosen {@link BlockPart}s, per layer, in a manager of
 * its own (closing the capture frees them). Every forward pass appends one array per part and layer it passes.
 * <pre>{@code
 * try (ActivationCapture cap = new ActivationCapture(model.manager(), Set.of(BlockPart.MLP_DOWN));
 *      ForwardHook.Registration hook = model.addHook(cap)) {
 *     model.logits(ids);
 *     NDArray x = cap.inputs(0, BlockPart.MLP_DOWN).get(0);   // [T, intermediate]
 * }}</pre>
 */
public final class ActivationCapture implements ForwardHook, AutoCloseable {
    private final NDManager manager;
    private final Set<BlockPart> parts;
    private final Map<Integer, Map<BlockPart, List<NDArray>>> captured = new HashMap<>();

    /** Captures the inputs of {@code parts} into a sub-manager of {@code parent}. */
    public ActivationCapture(NDManager parent, Set<BlockPart> parts) {
        this.manager = parent.newSubManager();
        this.parts = Set.copyOf(parts);
    }

    @Override
    public NDArray partInput(int layer, BlockPart part, NDArray x) {
        if (parts.contains(part)) {
            NDArray copy = x.duplicate();              // [T, features]
            NDScope.unregister(copy);
            copy.attach(manager);
            captured.computeIfAbsent(layer, l -> new EnumMap<>(BlockPart.class))
                    .computeIfAbsent(part, p -> new ArrayList<>()).add(copy);
        }
        return x;
    }

    /** The inputs of {@code part} in {@code layer}, one per forward pass, in order (empty when none passed). */
    public List<NDArray> inputs(int layer, BlockPart part) {
        return List.copyOf(captured.getOrDefault(layer, Map.of()).getOrDefault(part, List.of()));
    }

    @Override
    public void close() {
        manager.close();
        captured.clear();
    }
}
