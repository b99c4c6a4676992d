package org.lmqt.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;
import org.lmqt.model.LinearFactory;
import org.lmqt.model.LinearLayer;
import org.lmqt.model.WeightSource;

/**
 * CLIP (Hugging Face {@code CLIPModel}, equally open_clip's {@code CLIP}) on DJL: a vision transformer (conv patch
 * embedding, class token, positions, {@code pre_layrnorm}, pre-norm encoder, {@code post_layernorm} of the class
 * token, projection) and a text transformer (token and position embeddings, causal encoder, final LayerNorm,
 * pooling at the end-of-text position, projection), joined by {@code exp(logit_scale)}. Every encoder linear comes
 * from a {@link LinearFactory} (quantized layers stay packed); the patch embedding and the two projections are not
 * block linears and stay dense, as the original never quantizes them.
 * <pre>{@code try (ClipWeights w = ClipWeights.open(dir); ClipModel m = ClipModel.load(w, ComputeDevice.CPU)) {
 *     TowerOutput img = m.encodeImages(pixels, 2);   // pixels [2, 3, S, S], already normalised
 * }}</pre>
 */
public final class ClipModel implements AutoCloseable {
    private final ClipConfig config;
    private final ComputeDevice device;
    private final NDManager manager;
    private final NDArray patchWeight;     // [D, 3*p*p]
    private final NDArray classEmbedding;  // [D]
    private final NDArray visionPositions; // [N+1, D]
    private final NDArray[] preNorm;       // [2][D]
    private final List<ClipEncoderLayer> visionLayers;
    private final NDArray[] postNorm;      // [2][D]
    private final NDArray visualProjection; // [proj, D]
    private final NDArray tokenEmbedding;  // [V, Dt]
    private final NDArray textPositions;   // [ctx, Dt]
    private final List<ClipEncoderLayer> textLayers;
    private final NDArray[] finalNorm;     // [2][Dt]
    private final NDArray textProjection;  // [proj, Dt]
    private final float logitScale;

    private ClipModel(ClipConfig config, ComputeDevice device, NDManager manager, NDArray[] vision,
                      List<ClipEncoderLayer> visionLayers, NDArray[] text, List<ClipEncoderLayer> textLayers,
                      float logitScale) {
        this.config = config;
        this.device = device;
        this.manager = manager;
        this.patchWeight = vision[0];
        this.classEmbedding = vision[1];
        this.visionPositions = vision[2];
        this.preNorm = new NDArray[] {vision[3], vision[4]};
        this.postNorm = new NDArray[] {vision[5], vision[6]};
        this.visualProjection = vision[7];
        this.visionLayers = List.copyOf(visionLayers);
        this.tokenEmbedding = text[0];
        this.textPositions = text[1];
        this.finalNorm = new NDArray[] {text[2], text[3]};
        this.textProjection = text[4];
        this.textLayers = List.copyOf(textLayers);
        this.logitScale = logitScale;
    }

    /** Loads {@code source} with the {@link LinearFactory#STANDARD} layers. */
    public static ClipModel load(ClipWeights source, ComputeDevice device) {
        return load(source, device, LinearFactory.STANDARD);
    }

    /** Loads all weights of {@code source} onto {@code device}; the source may be closed afterwards. */
    public static ClipModel load(ClipWeights source, ComputeDevice device, LinearFactory linears) {
        ClipConfig c = source.clip();
        ClipTower v = c.vision();
        ClipTower t = c.text();
        int p = c.patchSize();
        NDManager manager = Djl.newManager(device);
        try {
            NDArray conv = LinearFactory.array(source, "vision_model.embeddings.patch_embedding.weight", manager,
                    device, v.width(), 3, p, p);                                       // [D, 3, p, p]
            // a view of the conv weight (closing the original would free the view's memory)
            NDArray patch = conv.reshape(v.width(), 3L * p * p);                       // [D, 3*p*p]
            NDArray[] vision = {patch,
                    LinearFactory.array(source, "vision_model.embeddings.class_embedding", manager, device, v.width()),
                    LinearFactory.array(source, "vision_model.embeddings.position_embedding.weight", manager, device,
                            c.visionTokens(), v.width()),
                    vec(source, "vision_model.pre_layrnorm.weight", manager, device, v.width()),
                    vec(source, "vision_model.pre_layrnorm.bias", manager, device, v.width()),
                    vec(source, "vision_model.post_layernorm.weight", manager, device, v.width()),
                    vec(source, "vision_model.post_layernorm.bias", manager, device, v.width()),
                    LinearFactory.array(source, "visual_projection.weight", manager, device, c.projectionDim(),
                            v.width())};
            NDArray[] text = {
                    LinearFactory.array(source, "text_model.embeddings.token_embedding.weight", manager, device,
                            c.vocabSize(), t.width()),
                    LinearFactory.array(source, "text_model.embeddings.position_embedding.weight", manager, device,
                            c.contextLength(), t.width()),
                    vec(source, "text_model.final_layer_norm.weight", manager, device, t.width()),
                    vec(source, "text_model.final_layer_norm.bias", manager, device, t.width()),
                    LinearFactory.array(source, "text_projection.weight", manager, device, c.projectionDim(),
                            t.width())};
            float scale = source.tensor("logit_scale").data()[0];
            List<ClipEncoderLayer> vl = layers(source, "vision", v, linears, manager, device);
            List<ClipEncoderLayer> tl = layers(source, "text", t, linears, manager, device);
            return new ClipModel(c, device, manager, vision, vl, text, tl, scale);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static List<ClipEncoderLayer> layers(WeightSource source, String tower, ClipTower spec,
                                                 LinearFactory linears, NDManager manager, ComputeDevice device) {
        int d = spec.width();
        int[][] shapes = {{d, d}, {d, d}, {d, d}, {d, d}, {spec.mlpWidth(), d}, {d, spec.mlpWidth()}}; // [out, in]
        String hf = tower + "_model.encoder.layers.";
        List<ClipEncoderLayer> out = new ArrayList<>();
        for (int i = 0; i < spec.layers(); i++) {
            List<LinearLayer> ls = new ArrayList<>();
            for (int m = 0; m < ClipEncoderLayer.MODULES.size(); m++) {
                ls.add(linears.build(new MatrixKey(i, tower + "." + ClipEncoderLayer.MODULES.get(m)), source,
                        shapes[m][0], shapes[m][1], manager, device));
            }
            String p = hf + i + ".";
            out.add(new ClipEncoderLayer(spec, device,
                    new NDArray[] {vec(source, p + "layer_norm1.weight", manager, device, d),
                            vec(source, p + "layer_norm1.bias", manager, device, d)},
                    new NDArray[] {vec(source, p + "layer_norm2.weight", manager, device, d),
                            vec(source, p + "layer_norm2.bias", manager, device, d)}, ls));
        }
        return out;
    }

    private static NDArray vec(WeightSource source, String name, NDManager manager, ComputeDevice device, int n) {
        return LinearFactory.array(source, name, manager, device, n);
    }

    /** The model's shape. */
    public ClipConfig config() {
        return config;
    }

    /** Where the model runs. */
    public ComputeDevice device() {
        return device;
    }

    /** The stored {@code logit_scale} (the logits are multiplied by its exponential). */
    public float logitScale() {
        return logitScale;
    }

    /**
     * The vision tower on {@code batch} images {@code pixels [B, 3, S, S]} (already normalised), row-major.
     */
    public TowerOutput encodeImages(float[] pixels, int batch) {
        int s = config.imageSize();
        if (batch <= 0 || pixels.length != batch * 3 * s * s) {
            throw new IllegalArgumentException("pixels must be [" + batch + ", 3, " + s + ", " + s + "], got "
                    + pixels.length + " values");
        }
        try (NDScope scope = new NDScope()) {
            int p = config.patchSize();
            int g = config.gridSize();
            int d = config.vision().width();
            NDArray x = manager.create(pixels, new Shape(batch, 3, s, s)).toType(device.weightType(), false);
            // conv patch embedding (kernel = stride = patch) as a matmul over flattened patches, row-major grid
            NDArray patches = x.reshape(batch, 3, g, p, g, p).transpose(0, 2, 4, 1, 3, 5)
                    .reshape((long) batch * g * g, 3L * p * p);                             // [B*N, 3*p*p]
            NDArray emb = patches.matMul(patchWeight.transpose()).reshape(batch, (long) g * g, d); // [B, N, D]
            // class token first, then positions 0..N
            NDArray cls = classEmbedding.reshape(1, 1, d).broadcast(batch, 1, d);           // [B, 1, D]
            NDArray h = cls.concat(emb, 1).add(visionPositions);                            // [B, N+1, D]
            h = ClipEncoderLayer.layerNorm(h, preNorm, config.vision().eps(), device);      // [B, N+1, D]
            // encoder
            for (ClipEncoderLayer layer : visionLayers) {
                h = layer.forward(h, null);                                                 // [B, N+1, D]
            }
            // post_layernorm of the class token, projection
            NDArray pooled = ClipEncoderLayer.layerNorm(h.get(new NDIndex(":, 0, :")), postNorm,
                    config.vision().eps(), device);                                         // [B, D]
            NDArray features = pooled.matMul(visualProjection.transpose());                 // [B, proj]
            return new TowerOutput(f32(h), f32(pooled), f32(features), batch);
        }
    }

    /** The text tower on rows of token ids, all of one length {@code <= context_length}. */
    public TowerOutput encodeTexts(long[][] ids) {
        int b = ids.length;
        if (b == 0) {
            throw new IllegalArgumentException("no text rows");
        }
        int t = ids[0].length;
        if (t == 0 || t > config.contextLength()) {
            throw new UserException("text rows must have 1.." + config.contextLength() + " tokens, got " + t);
        }
        long[] flat = new long[b * t];
        int[] pooledAt = new int[b];
        for (int r = 0; r < b; r++) {
            if (ids[r].length != t) {
                throw new IllegalArgumentException("text rows differ in length: " + ids[r].length + " vs " + t);
            }
            for (int j = 0; j < t; j++) {
                if (ids[r][j] < 0 || ids[r][j] >= config.vocabSize()) {
                    throw new UserException("token id " + ids[r][j] + " is outside the CLIP vocabulary of "
                            + config.vocabSize());
                }
                flat[r * t + j] = ids[r][j];
            }
            pooledAt[r] = config.pooling().position(ids[r], config.eosTokenId());
        }
        try (NDScope scope = new NDScope()) {
            int d = config.text().width();
            // token and position embeddings
            NDArray h = tokenEmbedding.get(manager.create(flat)).reshape(b, t, d)
                    .add(textPositions.get(new NDIndex(":" + t)));                            // [B, T, Dt]
            // causal encoder
            NDArray mask = manager.create(causalMask(t), new Shape(t, t));                   // [T, T] f32
            for (ClipEncoderLayer layer : textLayers) {
                h = layer.forward(h, mask);                                                  // [B, T, Dt]
            }
            h = ClipEncoderLayer.layerNorm(h, finalNorm, config.text().eps(), device);      // [B, T, Dt]
            // the pooled position of each row, projection
            long[] rows = new long[b];
            for (int r = 0; r < b; r++) {
                rows[r] = (long) r * t + pooledAt[r];
            }
            NDArray pooled = h.reshape((long) b * t, d).get(manager.create(rows));          // [B, Dt]
            NDArray features = pooled.matMul(textProjection.transpose());                   // [B, proj]
            return new TowerOutput(f32(h), f32(pooled), f32(features), b);
        }
    }

    /**
     * {@code logits_per_image [images, texts] = exp(logit_scale) * image_embeds @ text_embeds^T}, from the
     * unnormalised features of both towers.
     */
    public float[] logitsPerImage(TowerOutput images, TowerOutput texts) {
        int dim = images.featureDim();
        float[] ie = images.embeds();   // [I, proj]
        float[] te = texts.embeds();    // [X, proj]
        int ni = images.batch();
        int nt = texts.batch();
        float scale = (float) Math.exp(logitScale);
        float[] out = new float[ni * nt];  // [I, X]
        for (int i = 0; i < ni; i++) {
            for (int j = 0; j < nt; j++) {
                float s = 0;
                for (int k = 0; k < dim; k++) {
                    s += ie[i * dim + k] * te[j * dim + k];
                }
                out[i * nt + j] = scale * s;
            }
        }
        return out;
    }

    /** Additive causal mask {@code [T, T]}: 0 on and below the diagonal, -inf above. */
    private static float[] causalMask(int t) {
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                m[i * t + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return m;
    }

    private static float[] f32(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** Bytes of the model's arrays on the device. */
    public long deviceBytes() {
        long b = 0;
        for (NDArray a : new NDArray[] {patchWeight, classEmbedding, visionPositions, preNorm[0], preNorm[1],
                postNorm[0], postNorm[1], visualProjection, tokenEmbedding, textPositions, finalNorm[0],
                finalNorm[1], textProjection}) {
            b += LinearFactory.bytes(a);
        }
        for (ClipEncoderLayer l : visionLayers) {
            b += l.deviceBytes();
        }
        for (ClipEncoderLayer l : textLayers) {
            b += l.deviceBytes();
        }
        return b;
    }

    @Override
    public void close() {
        manager.close();
    }
}
