package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.device.ComputeDevice;

/** The DJL (GPU) HQQ path, run on the CPU engine: the fork's golden FNorms and the Java kernel's codes. */
class DjlHqqTest {

    @Test
    void reproducesTheGoldenFnormsAndTheJavaKernel() throws IOException {
        List<String[]> rows = Files.readAllLines(TestData.shared("fixtures/hqq/fnorm.csv")).stream().skip(1)
                .map(l -> l.split(",")).toList();
        DjlHqq djl = new DjlHqq(ComputeDevice.CPU);
        try (SafetensorsFile in = SafetensorsFile.open(TestData.shared("fixtures/hqq/inputs.safetensors"))) {
            for (String[] r : rows) {
                int bits = Integer.parseInt(r[1]);
                int group = Integer.parseInt(r[2]);
                Tensor w = in.tensor(r[0]);
                QuantizedTensor viaDjl = djl.apply(w.data(), w.shape(), Hqq.Spec.hqq(bits, group));
                QuantizedTensor viaJava = Hqq.quantize(w.data(), w.shape(), Hqq.Spec.hqq(bits, group));
                double golden = Double.parseDouble(r[3]);
                assertEquals(golden, norm(w.data(), viaDjl.dequantizeHalf()), 1e-4 * golden, r[0] + " b" + bits + "g" + group);
                int same = 0;
                for (int i = 0; i < w.numel(); i++) {
                    same += viaDjl.code(i) == viaJava.code(i) ? 1 : 0;
                }
                assertTrue(same >= w.numel() * 0.999, r[0] + " b" + bits + "g" + group + ": " + same + " of " + w.numel());
            }
        }
    }

    @Test
    void theCpuUsesTheJavaKernel() {
        assertInstanceOf(Hqq.class, DjlHqq.forDevice(ComputeDevice.CPU));
    }

    private static double norm(float[] w, float[] wq) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += (double) (w[i] - wq[i]) * (w[i] - wq[i]);
        }
        return Math.sqrt(s);
    }
}
