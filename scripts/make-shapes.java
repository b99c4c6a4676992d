///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION A seeded synthetic image-classification set (coloured shapes) in ImageNet-style train/test folders, for quant-vit.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.vit.SyntheticShapes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "make-shapes", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"A seeded synthetic image-classification set in ImageNet-style folders: <dir>/{train,test}/"
                + "<class>/NNNN.png, six classes of coloured shapes (red_square, green_circle, ...) on noisy grey.",
                "Made for running quant-vit on the tiny CLIPs of the fixtures."},
        footer = {"", "Example:", "  ./jbang scripts/make-shapes.java --output-dir out/shapes --train 24 --test 12"})
class make_shapes implements Callable<Integer> {
    @Option(names = "--output-dir", required = true, paramLabel = "DIR", description = "Where the set goes (must not exist).")
    Path outputDir;

    @Option(names = "--train", description = "Training images per class (default: ${DEFAULT-VALUE}).")
    int train = 24;

    @Option(names = "--test", description = "Test images per class (default: ${DEFAULT-VALUE}).")
    int test = 12;

    @Option(names = "--size", description = "Image side in pixels (default: ${DEFAULT-VALUE}).")
    int size = 40;

    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed = 7;

    public static void main(String... args) {
        Cli.exit(new make_shapes(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (Files.exists(outputDir)) {
            throw new UserException(outputDir + " exists; give a new folder");
        }
        if (train <= 0 || test <= 0 || size < 8) {
            throw new UserException("--train and --test must be positive and --size at least 8");
        }
        // written beside the target, then moved into place whole
        Path parent = outputDir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, ".shapes-");
        SyntheticShapes.write(tmp, train, test, size, seed);
        Files.move(tmp, outputDir);
        System.out.println("wrote " + outputDir + ": " + SyntheticShapes.CLASSES.size() + " classes, " + train
                + " train and " + test + " test images each");
        return 0;
    }
}
