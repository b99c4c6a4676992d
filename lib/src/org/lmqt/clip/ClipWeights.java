package org.lmqt.clip;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lmqt.checkpoint.CheckpointException;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.MatrixChoice;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantPlan;
import org.lmqt.quant.QuantizedMatrix;
import org.lmqt.quant.WeightQuantizer;

/**
 * A CLIP checkpoint in either {@link ClipLayout}, its tensors always named as Hugging Face's {@code CLIPModel} names
 * them: open_clip tensors are renamed, {@code attn.in_proj_weight [3D, D]} is split into its q/k/v rows, and
 * {@code visual.proj}/{@code text_projection} ({@code [D, proj]}) are transposed. With a quantization plan, the
 * matrices of {@link ModelFamily#CLIP}'s {@code linearModules} (the MLPs) are quantized as they are read; attention
 * stays unquantized, as in the original.
 */
public final class ClipWeights implements WeightSource {
    private static final Pattern BLOCK = Pattern.compile(
            "(vision|text)_model\\.encoder\\.layers\\.(\\d+)\\.(.+)");

    private final Path dir;
    private final ClipConfig clip;
    private final SafetensorsFile file;
    private final Optional<QuantPlan> plan;
    private final WeightQuantizer kernel;
    private final ClipDeployment deployment;

    private ClipWeights(Path dir, ClipConfig clip, SafetensorsFile file, Optional<QuantPlan> plan,
                        WeightQuantizer kernel, ClipDeployment deployment) {
        this.dir = dir;
        this.clip = clip;
        this.file = file;
        this.plan = plan;
        this.kernel = kernel;
        this.deployment = deployment;
    }

    /** Opens {@code dir} in its detected layout, unquantized. */
    public static ClipWeights open(Path dir) {
        return open(dir, ClipLayout.detect(dir), Optional.empty(), null);
    }

    /**
     * Opens {@code dir} in {@code layout}; with a plan, its MLP matrices are quantized on {@code kernel} as they are
     * read.
     */
    public static ClipWeights open(Path dir, ClipLayout layout, Optional<QuantPlan> plan, WeightQuantizer kernel) {
        return open(dir, layout, plan, kernel, ClipDeployment.STANDARD);
    }

    /** As {@link #open(Path, ClipLayout, Optional, WeightQuantizer)}, the matrices deployed as {@code deployment}. */
    public static ClipWeights open(Path dir, ClipLayout layout, Optional<QuantPlan> plan, WeightQuantizer kernel,
                                   ClipDeployment deployment) {
        if (!layout.presentIn(dir)) {
            throw new UserException(dir + ": no " + layout.configFile() + " with " + layout.weightsFile()
                    + " (not a CLIP folder in the " + layout.name().toLowerCase(java.util.Locale.ROOT) + " layout)");
        }
        if (plan.isPresent() && kernel == null) {
            throw new IllegalArgumentException("a quantization plan needs a kernel");
        }
        ClipConfig clip = ClipConfig.read(dir, layout);
        SafetensorsFile f = SafetensorsFile.open(dir.resolve(layout.weightsFile()));
        return new ClipWeights(dir, clip, f, plan, kernel, deployment);
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** The CLIP shape. */
    public ClipConfig clip() {
        return clip;
    }

    /** The plan the MLPs are quantized with, if any. */
    public Optional<QuantPlan> plan() {
        return plan;
    }

    /**
     * A {@link ModelConfig} view for code that asks every source for one: architecture {@code CLIPModel}, the
     * vision tower's sizes.
     */
    @Override
    public ModelConfig config() {
        ClipTower v = clip.vision();
        return new ModelConfig(List.of("CLIPModel"), "clip", v.width(), v.mlpWidth(), v.layers(), v.heads(),
                v.heads(), v.headDim(), clip.vocabSize(), clip.contextLength(), v.eps(), 10000.0, false, "float32",
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.CLIP;
    }

    @Override
    public boolean contains(String name) {
        if (clip.layout() == ClipLayout.HF) {
            return file.contains(name);
        }
        Optional<OpenClipSource> src = OpenClipSource.of(name);
        return src.isPresent() && file.contains(src.get().name());
    }

    @Override
    public Tensor tensor(String name) {
        Optional<QuantizedMatrix> q = MatrixKey.ofWeight(name, family()).flatMap(this::quantized);
        return q.map(m -> new Tensor(name, m.shape(), m.dequantize(), m.deployedType())).orElseGet(() -> stored(name));
    }

    @Override
    public Optional<QuantizedMatrix> quantized(MatrixKey key) {
        if (plan.isEmpty() || !family().linearModules().contains(key.module())) {
            return Optional.empty();
        }
        Optional<MatrixChoice> choice = plan.get().choiceFor(key);
        if (choice.isEmpty()) {
            return Optional.empty();
        }
        Tensor w = stored(key.weightName(family())); // [out, in]
        QuantConfig config = fittingMetaGroup(choice.get().config(), w.numel());
        return Optional.of(deployment.quantize(choice.get(), config, w.data(), w.shape(), kernel));
    }

    /**
     * {@code config}, or, when the matrix's number of groups is not a multiple of the meta group (128), the same
     * with the largest meta group below it that divides the number of groups. The original fails on such
     * matrices; they occur only in tiny test models (the tiny CLIPs' text MLP of 192 x 48), never in real CLIPs.
     */
    static QuantConfig fittingMetaGroup(QuantConfig config, int params) {
        int groups = params / config.group();
        if (params % config.group() != 0 || groups % config.metaGroup() == 0) {
            return config;
        }
        int g = config.metaGroup();
        while (groups % g != 0) {
            g--;
        }
        return new QuantConfig(config.bits(), config.group(), config.metaBits(), g);
    }

    /** The tensor {@code name} (HF naming) as stored, unquantized. */
    public Tensor stored(String name) {
        if (clip.layout() == ClipLayout.HF) {
            return file.tensor(name);
        }
        OpenClipSource src = OpenClipSource.of(name).orElseThrow(() -> new CheckpointException(dir
                + ": a CLIP model has no tensor '" + name + "'"));
        return src.read(file, name);
    }

    @Override
    public void close() {
        file.close();
    }

    /**
     * Where a Hugging Face CLIP tensor lives in an open_clip state dict, and how it is derived.
     *
     * @param name   the open_clip tensor
     * @param part   -1 for the whole tensor, else the q (0), k (1) or v (2) third of {@code in_proj_*}
     * @param transpose true for the projections, which open_clip stores as {@code [D, proj]}
     */
    record OpenClipSource(String name, int part, boolean transpose) {

        static Optional<OpenClipSource> of(String hf) {
            Matcher m = BLOCK.matcher(hf);
            if (m.matches()) {
                String p = (m.group(1).equals("vision") ? "visual.transformer.resblocks." : "transformer.resblocks.")
                        + m.group(2) + ".";
                return blockTensor(p, m.group(3));
            }
            String mapped = switch (hf) {
                case "vision_model.embeddings.patch_embedding.weight" -> "visual.conv1.weight";
                case "vision_model.embeddings.class_embedding" -> "visual.class_embedding";
                case "vision_model.embeddings.position_embedding.weight" -> "visual.positional_embedding";
                case "vision_model.pre_layrnorm.weight" -> "visual.ln_pre.weight";
                case "vision_model.pre_layrnorm.bias" -> "visual.ln_pre.bias";
                case "vision_model.post_layernorm.weight" -> "visual.ln_post.weight";
                case "vision_model.post_layernorm.bias" -> "visual.ln_post.bias";
                case "text_model.embeddings.token_embedding.weight" -> "token_embedding.weight";
                case "text_model.embeddings.position_embedding.weight" -> "positional_embedding";
                case "text_model.final_layer_norm.weight" -> "ln_final.weight";
                case "text_model.final_layer_norm.bias" -> "ln_final.bias";
                case "logit_scale" -> "logit_scale";
                default -> null;
            };
            if (mapped != null) {
                return Optional.of(new OpenClipSource(mapped, -1, false));
            }
            return switch (hf) {
                case "visual_projection.weight" -> Optional.of(new OpenClipSource("visual.proj", -1, true));
                case "text_projection.weight" -> Optional.of(new OpenClipSource("text_projection", -1, true));
                default -> Optional.empty();
            };
        }

        private static Optional<OpenClipSource> blockTensor(String prefix, String rest) {
            int dot = rest.lastIndexOf('.');
            if (dot < 0) {
                return Optional.empty();
            }
            String module = rest.substring(0, dot);
            String kind = rest.substring(dot + 1);   // weight | bias
            int qkv = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj").indexOf(module);
            if (qkv >= 0) {
                return Optional.of(new OpenClipSource(prefix + "attn.in_proj_" + kind, qkv, false));
            }
            String mapped = switch (module) {
                case "self_attn.out_proj" -> "attn.out_proj";
                case "layer_norm1" -> "ln_1";
                case "layer_norm2" -> "ln_2";
                case "mlp.fc1" -> "mlp.c_fc";
                case "mlp.fc2" -> "mlp.c_proj";
                default -> null;
            };
            return mapped == null ? Optional.empty()
                    : Optional.of(new OpenClipSource(prefix + mapped + "." + kind, -1, false));
        }

        /** Reads the tensor and derives the HF tensor {@code hfName} from it. */
        Tensor read(SafetensorsFile f, String hfName) {
            Tensor t = f.tensor(name);
            if (transpose) {
                if (t.shape().length != 2) {
                    throw new CheckpointException(f.path() + ": " + name + " is not 2-D " + Arrays.toString(t.shape()));
                }
                int r = t.rows();
                int c = t.cols();
                float[] out = new float[r * c];  // [c, r]
                for (int i = 0; i < r; i++) {
                    for (int j = 0; j < c; j++) {
                        out[j * r + i] = t.data()[i * c + j];
                    }
                }
                return new Tensor(hfName, new int[] {c, r}, out, t.storage());
            }
            if (part >= 0) {
                if (t.shape()[0] % 3 != 0) {
                    throw new CheckpointException(f.path() + ": " + name + " " + Arrays.toString(t.shape())
                            + " does not split into q, k, v");
                }
                int rows = t.shape()[0] / 3;
                int per = t.numel() / 3;
                int[] shape = t.shape().clone();
                shape[0] = rows;
                return new Tensor(hfName, shape, Arrays.copyOfRange(t.data(), part * per, (part + 1) * per),
                        t.storage());
            }
            return new Tensor(hfName, t.shape(), t.data(), t.storage());
        }
    }
}
