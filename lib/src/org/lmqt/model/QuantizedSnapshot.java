package org.lmqt.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.quant.BitPacker;
import org.lmqt.quant.HqqLinear;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantizedTensor;

/**
 * A quantized model folder: {@value #FILE} (packed codes and meta tensors of every linear layer, the other tensors
 * in their original type, configs in the header's {@code __metadata__}), {@code config.json} and the tokenizer
 * files copied from the source model. Layout of one linear layer {@code P} (e.g.
 * {@code model.layers.0.self_attn.q_proj}) with config {@code b<bits>g<g>} and {@code M = out*in/g} groups:
 * <ul>
 * <li>{@code P.W_q}: codes packed in the fork's layout ({@link BitPacker}), U8 {@code [g*bits/8, M]} or I32
 *     {@code [ceil(g/10), M]} for 3 bits;</li>
 * <li>{@code P.scale_q}: U8 {@code [g2, M/g2]} step-size codes (g2 = 128 normally); {@code P.meta_scale.scale},
 *     {@code P.meta_scale.zero}: F16 {@code [M/g2]};</li>
 * <li>{@code P.zero_q}: U8 {@code [1, M]} zero codes; {@code P.meta_zero.scale}, {@code P.meta_zero.zero}: F16
 *     {@code [1]}.</li>
 * </ul>
 * Metadata: {@code format} = {@value #FORMAT}, {@code method} ({@code hqq}/{@code rtn}), {@code quant_config}
 * (JSON object {@code "<layer>.<module>" -> {"b1": 4, "g1": 64, "b2": 8, "g2": 128}}, the weight bits and
 * group and the scale's meta bits and group), {@code shapes} (JSON object {@code P -> [out, in]}).
 */
public final class QuantizedSnapshot {
    /** The weights file of a snapshot. */
    public static final String FILE = "qmodel.safetensors";
    /** Format tag in the metadata. */
    public static final String FORMAT = "lmqt-hqq/1";
    private static final List<String> COPIED = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model");
    private static final ObjectMapper JSON = new ObjectMapper();

    private QuantizedSnapshot() {}

    /**
     * What a save did.
     *
     * @param dir         the snapshot folder
     * @param sizeBytes   bytes of {@value #FILE} on disk
     * @param quantSeconds wall time of quantizing all linear layers (excluding reading and writing)
     */
    public record Saved(Path dir, long sizeBytes, double quantSeconds) {}

    /** True when {@code dir} holds a snapshot. */
    public static boolean isSnapshot(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    /** Quantizes every linear layer of {@code ckpt} with {@code plan} and writes a snapshot to {@code out}. */
    public static Saved save(Checkpoint ckpt, QuantPlan plan, Path out, Consumer<String> onLayer) {
        QuantizedWeights quantized = new QuantizedWeights(ckpt, plan);
        SafetensorsWriter writer = new SafetensorsWriter();
        ObjectNode configs = JSON.createObjectNode();
        ObjectNode shapes = JSON.createObjectNode();
        long quantNanos = 0;
        for (String name : ckpt.tensorNames()) {
            var linear = LinearName.parse(name);
            if (linear.isEmpty()) {
                // embeddings, norms, output head, biases: kept as stored, losslessly
                Tensor t = ckpt.tensor(name);
                writer.put(name, t.storage(), t.shape(), t.data());
                continue;
            }
            long start = System.nanoTime();
            HqqLinear q = quantized.quantize(name);
            quantNanos += System.nanoTime() - start;
            String p = linear.get().modulePath();
            putLinear(writer, p, q);
            QuantConfig c = q.config();
            configs.putObject(linear.get().layer() + "." + linear.get().module())
                    .put("b1", c.bits()).put("g1", c.group()).put("b2", c.metaBits()).put("g2", c.metaGroup());
            shapes.putArray(p).add(q.weight().shape()[0]).add(q.weight().shape()[1]);
            onLayer.accept(p);
        }
        writer.metadata("format", FORMAT).metadata("method", plan.method().name().toLowerCase(java.util.Locale.ROOT))
                .metadata("quant_config", configs.toString()).metadata("shapes", shapes.toString());
        try {
            Files.createDirectories(out);
            writer.write(out.resolve(FILE));
            for (String f : COPIED) {
                Path src = ckpt.dir().resolve(f);
                if (Files.isRegularFile(src)) {
                    Files.copy(src, out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return new Saved(out, Files.size(out.resolve(FILE)), quantNanos / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void putLinear(SafetensorsWriter w, String p, HqqLinear q) {
        BitPacker.Packed packed = q.packedWeight();
        w.putBytes(p + ".W_q", packed.dtype(), packed.shape(), packed.data());
        QuantizedTensor s = q.scales();
        w.putBytes(p + ".scale_q", DType.U8, new int[] {s.group(), s.columns()}, s.codes());
        w.put(p + ".meta_scale.scale", DType.F16, new int[] {s.columns()}, s.scale());
        w.put(p + ".meta_scale.zero", DType.F16, new int[] {s.columns()}, s.zero());
        QuantizedTensor z = q.zeros();
        w.putBytes(p + ".zero_q", DType.U8, new int[] {1, z.codes().length}, z.codes());
        w.put(p + ".meta_zero.scale", DType.F16, new int[] {1}, z.scale());
        w.put(p + ".meta_zero.zero", DType.F16, new int[] {1}, z.zero());
    }

    /** The snapshot in {@code dir} as a weight source: linear layers dequantized as deployed. */
    public static WeightSource source(Path dir) {
        ModelConfig config = ModelConfig.read(dir);
        SafetensorsFile file = SafetensorsFile.open(dir.resolve(FILE));
        Map<String, String> meta = file.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            file.close();
            throw new UserException(dir.resolve(FILE) + ": not an lmqt snapshot (format '" + meta.get("format")
                    + "', expected " + FORMAT + ")");
        }
        try {
            var configs = JSON.readTree(meta.get("quant_config"));
            var shapes = JSON.readTree(meta.get("shapes"));
            QuantMethod method = QuantMethod.valueOf(meta.get("method").toUpperCase(java.util.Locale.ROOT));
            return new WeightSource() {
                @Override
                public ModelConfig config() {
                    return config;
                }

                @Override
                public boolean contains(String name) {
                    return file.contains(name) || LinearName.parse(name).map(l -> file.contains(l.modulePath() + ".W_q"))
                            .orElse(false);
                }

                @Override
                public Tensor tensor(String name) {
                    var ln = LinearName.parse(name);
                    if (ln.isEmpty()) {
                        return file.tensor(name);
                    }
                    String p = ln.get().modulePath();
                    var cj = configs.path(ln.get().layer() + "." + ln.get().module());
                    QuantConfig c = new QuantConfig(cj.path("b1").asInt(), cj.path("g1").asInt(),
                            cj.path("b2").asInt(), cj.path("g2").asInt());
                    int[] shape = {shapes.path(p).path(0).asInt(), shapes.path(p).path(1).asInt()};
                    return new Tensor(name, shape, load(file, p, c, method, shape).dequantize(), DType.F16);
                }

                @Override
                public void close() {
                    file.close();
                }
            };
        } catch (IOException | RuntimeException e) {
            file.close();
            throw new UserException(dir.resolve(FILE) + ": invalid snapshot metadata (" + e.getMessage() + ")");
        }
    }

    /** Rebuilds one quantized linear layer from its tensors. */
    static HqqLinear load(SafetensorsFile file, String p, QuantConfig c, QuantMethod method, int[] shape) {
        SafetensorsFile.Entry wq = file.entry(p + ".W_q");
        BitPacker.Packed packed = new BitPacker.Packed(BitPacker.packing(c.bits()), wq.dtype(), wq.shape(),
                bytes(file, p + ".W_q"));
        int m = wq.shape()[1];
        QuantizedTensor scales = new QuantizedTensor(new int[] {1, m}, c.metaBits(), c.metaGroup(),
                bytes(file, p + ".scale_q"), file.tensor(p + ".meta_scale.scale").data(),
                file.tensor(p + ".meta_scale.zero").data());
        QuantizedTensor zeros = new QuantizedTensor(new int[] {1, m}, 8, m, bytes(file, p + ".zero_q"),
                file.tensor(p + ".meta_zero.scale").data(), file.tensor(p + ".meta_zero.zero").data());
        return HqqLinear.fromPacked(c, method, shape, packed, scales, zeros);
    }

    private static byte[] bytes(SafetensorsFile file, String name) {
        ByteBuffer b = file.bytes(name);
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
