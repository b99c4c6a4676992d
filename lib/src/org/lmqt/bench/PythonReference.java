package org.lmqt.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The benchmarks' PyTorch eager references ({@code scripts/reference/*.py}) run as a child process on one thread
 * ({@code OMP_NUM_THREADS=1}) with {@code $LMQT_PYTHON} (default {@code python3}), and the raw little-endian float32
 * files they exchange with the Java side.
 */
public final class PythonReference {
    /** What a benchmark prints when the reference could not run. */
    public static final String NOT_MEASURED = "reference: not measured (needs python3 with torch; set LMQT_PYTHON)";

    private PythonReference() {}

    /**
     * Runs {@code scripts/reference/<script>} (below {@code -Dlmqt.root}, default the working directory) with
     * {@code args}; its standard error passes through.
     *
     * @param env extra environment variables
     * @return its standard output, trimmed, or empty when it failed or printed nothing
     */
    public static Optional<String> run(String script, List<String> args, Map<String, String> env)
            throws IOException, InterruptedException {
        Path file = Path.of(System.getProperty("lmqt.root", "."), "scripts", "reference", script);
        List<String> command = new ArrayList<>();
        command.add(Optional.ofNullable(System.getenv("LMQT_PYTHON")).orElse("python3"));
        command.add(file.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        return p.waitFor() == 0 && !out.isEmpty() ? Optional.of(out) : Optional.empty();
    }

    /** {@link #run(String, List, Map)} without extra environment. */
    public static Optional<String> run(String script, List<String> args) throws IOException, InterruptedException {
        return run(script, args, Map.of());
    }

    /** Writes {@code v} as raw little-endian float32 to {@code file}. */
    public static Path writeFloats(Path file, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return Files.write(file, b.array());
    }

    /** Reads a raw little-endian float32 file. */
    public static float[] readFloats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / Float.BYTES];
        b.asFloatBuffer().get(v);
        return v;
    }
}
