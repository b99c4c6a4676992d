package org.lmqt.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.clip.ClipLayout;
import org.lmqt.clip.ClipModel;
import org.lmqt.clip.ClipWeights;
import org.lmqt.device.ComputeDevice;

/** Zero-shot and linear probe on the tiny CLIP with a synthetic shapes set generated here. */
class VitEvaluationTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void makeData() {
        data = tmp.resolve("shapes");
        SyntheticShapes.write(data, 24, 12, 40, 7);
    }

    private static ClipModel tinyClip() {
        Path dir = TestData.shared("fixtures/clip/tiny-clip-gelu");
        try (ClipWeights w = ClipWeights.open(dir, ClipLayout.OPEN_CLIP, Optional.empty(), null)) {
            return ClipModel.load(w, ComputeDevice.CPU);
        }
    }

    @Test
    void linearProbeLearnsTheShapesWellAboveChance() {
        ImageSet train = ImageData.split(data, "train");
        ImageSet test = ImageData.split(data, "test");
        assertEquals(6 * 24, train.images().size());
        assertEquals(List.of("red square", "green circle", "blue triangle", "yellow square", "magenta circle",
                "cyan triangle").stream().sorted().toList(), train.classNames());
        try (ClipModel m = tinyClip()) {
            float[] ftrain = ImageFeatures.normalized(m, train, 32, "train");
            float[] ftest = ImageFeatures.normalized(m, test, 32, "test");
            LinearProbe probe = new LinearProbe(0.1, 20, 16, 0.0, 0);
            LinearProbe.Head head = probe.train(ftrain, train.labels(), 6);
            ClassificationScores s = ClassificationScores.of(head.logits(ftest), test.labels(), 6);
            // chance is 1/6; colours are easy to separate even through random weights
            assertTrue(s.acc1() > 0.6, "linear probe acc1 " + s.acc1());
            assertTrue(s.acc5() >= s.acc1());
            // the same seed gives the same head
            LinearProbe.Head again = probe.train(ftrain, train.labels(), 6);
            assertEquals(java.util.Arrays.toString(head.weight()), java.util.Arrays.toString(again.weight()));
        }
    }

    @Test
    void djlProbeFollowsTheJavaProbe() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        int n = 200;
        int dim = 16;
        float[] x = new float[n * dim];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(5);
            for (int j = 0; j < dim; j++) {
                x[i * dim + j] = (float) (r.nextGaussian() + (j == y[i] ? 2 : 0));
            }
        }
        LinearProbe probe = new LinearProbe(0.1, 5, 32, 0.01, 4);
        LinearProbe.Head java = probe.train(x, y, 5);
        LinearProbe.Head djl = probe.train(x, y, 5, ComputeDevice.CPU);
        double worst = 0;
        for (int i = 0; i < java.weight().length; i++) {
            worst = Math.max(worst, Math.abs(java.weight()[i] - djl.weight()[i]));
        }
        for (int i = 0; i < java.bias().length; i++) {
            worst = Math.max(worst, Math.abs(java.bias()[i] - djl.bias()[i]));
        }
        assertTrue(worst < 1e-4, "java vs djl head " + worst);
        assertTrue(ClassificationScores.of(djl.logits(x), y, 5).acc1() > 0.8);
    }

    @Test
    void zeroShotScoresAreValidFractions() {
        ImageSet test = ImageData.split(data, "test");
        try (ClipModel m = tinyClip()) {
            PromptTokenizer tok = PromptTokenizer.hashedWords(m.config());
            ZeroShotClassifier zs = ZeroShotClassifier.build(m, tok, test.classNames(), ZeroShotTemplates.IMAGENET);
            float[] f = ImageFeatures.normalized(m, test, 32, "test");
            ClassificationScores s = ClassificationScores.of(zs.logits(f), test.labels(), 6);
            assertTrue(s.acc1() >= 0 && s.acc1() <= s.acc5() && s.acc5() <= 1);
            assertTrue(s.meanPerClassRecall() >= 0 && s.meanPerClassRecall() <= 1);
        }
    }

    @Test
    void scoresFollowClipBenchmarksDefinitions() {
        // 3 samples, 6 classes: sample 0 right at rank 0, sample 1 at rank 2, sample 2 at rank 5
        float[] logits = {
                9, 1, 1, 1, 1, 1,
                5, 4, 3, 0, 0, 0,
                6, 5, 4, 3, 2, 1};
        ClassificationScores s = ClassificationScores.of(logits, new int[] {0, 2, 5}, 6);
        assertEquals(1.0 / 3, s.acc1(), 1e-12);
        assertEquals(2.0 / 3, s.acc5(), 1e-12);
        // classes present: 0 (recall 1), 2 (0), 5 (0)
        assertEquals(1.0 / 3, s.meanPerClassRecall(), 1e-12);
        assertTrue(Double.isNaN(ClassificationScores.of(new float[] {1, 0}, new int[] {0}, 2).acc5()));
    }

    @Test
    void hashedWordPromptsFollowTheFixtureConventions() {
        try (ClipModel m = tinyClip()) {
            long[] ids = PromptTokenizer.hashedWords(m.config()).encode("a photo of a red square.");
            assertEquals(16, ids.length);
            assertEquals(98, ids[0]);   // bos = vocab - 2
            assertEquals(99, ids[7]);   // eos after 6 words
            assertEquals(0, ids[8]);
            for (int i = 1; i < 7; i++) {
                assertTrue(ids[i] >= 1 && ids[i] <= 97);
            }
            assertEquals(ids[1], ids[4]);   // "a" twice
        }
    }

    @Test
    void oneLineErrorsForMissingClassFoldersAndBrokenImages() throws Exception {
        Path bad = tmp.resolve("bad");
        SyntheticShapes.write(bad, 2, 2, 16, 1);
        // a class only the train split has
        Files.createDirectories(bad.resolve("train/purple_star"));
        Files.copy(bad.resolve("train/red_square/0000.png"), bad.resolve("train/purple_star/0000.png"));
        UserException e = assertThrows(UserException.class, () -> ImageData.split(bad, "test"));
        assertTrue(e.getMessage().contains("missing class folder 'purple_star'"), e.getMessage());
        // an image that does not decode
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken.resolve("cat"));
        Files.writeString(broken.resolve("cat/0.jpg"), "not a jpeg");
        ImageSet set = ImageData.split(broken, "test");
        UserException d = assertThrows(UserException.class, () -> set.images().get(0).decode());
        assertTrue(d.getMessage().contains("0.jpg: not a decodable image"), d.getMessage());
        // not a CLIP folder
        UserException l = assertThrows(UserException.class, () -> ClipWeights.open(broken));
        assertTrue(l.getMessage().contains("not a CLIP model folder"), l.getMessage());
    }

    @Test
    void imageNetFoldersGetTheCuratedClassNames() throws Exception {
        assertEquals(1000, ImageNetClassNames.NAMES.size());
        assertEquals("tench", ImageNetClassNames.NAMES.get(0));
        assertEquals("toilet paper", ImageNetClassNames.NAMES.get(999));
        Path inet = tmp.resolve("inet");
        byte[] png = Files.readAllBytes(data.resolve("test/red_square/0000.png"));
        for (int i = 0; i < 1000; i++) {
            Path d = inet.resolve(String.format("n%08d", 1440764 + i));
            Files.createDirectories(d);
            if (i == 0 || i == 999) {
                Files.write(d.resolve("a.png"), png);
            }
        }
        // only the first and last class folders hold an image here: a class folder without images is an error
        UserException e = assertThrows(UserException.class, () -> ImageData.split(inet, "test"));
        assertTrue(e.getMessage().contains("class folder without images"), e.getMessage());
        for (int i = 1; i < 999; i++) {
            Files.write(inet.resolve(String.format("n%08d", 1440764 + i)).resolve("a.png"), png);
        }
        ImageSet set = ImageData.split(inet, "test");
        assertEquals(ImageNetClassNames.NAMES, set.classNames());
        assertEquals(999, set.images().get(999).label());
    }

    @Test
    void webdatasetShardsReadLikeFolders() throws Exception {
        Path wds = tmp.resolve("wds");
        Files.createDirectories(wds.resolve("test"));
        Files.write(wds.resolve("classnames.txt"), List.of("red square", "green circle"));
        byte[] png0 = Files.readAllBytes(data.resolve("test/red_square/0000.png"));
        byte[] png1 = Files.readAllBytes(data.resolve("test/green_circle/0000.png"));
        TestTar.write(wds.resolve("test/0.tar"), List.of(
                new TestTar.Entry("s0.cls", "0".getBytes()), new TestTar.Entry("s0.png", png0),
                new TestTar.Entry("s1.cls", "1".getBytes()), new TestTar.Entry("s1.png", png1)));
        ImageSet set = ImageData.split(wds, "test");
        assertEquals(List.of("red square", "green circle"), set.classNames());
        assertEquals(2, set.images().size());
        assertEquals(1, set.images().get(1).label());
        assertEquals(40, set.images().get(1).decode().getWidth());
    }
}
