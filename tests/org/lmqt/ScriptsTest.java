package org.lmqt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every script through the real {@code ./jbang} launcher (the one the README documents): the catalog lists every
 * script with its description, every alias builds and prints {@code --help} with an example, and bad input gives a
 * one-line error, a non-zero exit and no output.
 */
class ScriptsTest {
    private static final Path ROOT = TestData.root();

    record Run(int exit, String out, String err) {}

    static Run jbang(Path cwd, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("jbang").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().put("JBANG_NO_VERSION_CHECK", "true");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        Path out = Files.createTempFile("jbang", ".out");
        Path err = Files.createTempFile("jbang", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    static Map<String, JsonNode> catalog() throws IOException {
        JsonNode aliases = new ObjectMapper().readTree(ROOT.resolve("jbang-catalog.json").toFile()).get("aliases");
        Map<String, JsonNode> out = new TreeMap<>();
        aliases.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    @Test
    void catalogListsEveryScriptWithItsDescriptionAndDjlSwitches() throws IOException {
        Map<String, JsonNode> catalog = catalog();
        List<Path> scripts;
        try (Stream<Path> s = Files.list(ROOT.resolve("scripts"))) {
            scripts = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        assertFalse(scripts.isEmpty());
        for (Path script : scripts) {
            String name = script.getFileName().toString().replace(".java", "");
            String text = Files.readString(script);
            assertTrue(catalog.containsKey(name), "no alias for " + name);
            assertEquals("scripts/" + name + ".java", catalog.get(name).get("script-ref").asText());
            String desc = text.lines().filter(l -> l.startsWith("//DESCRIPTION ")).findFirst().orElseThrow()
                    .substring("//DESCRIPTION ".length());
            assertEquals(desc, catalog.get(name).get("description").asText(), name);
            String opts = text.lines().filter(l -> l.startsWith("//JAVA_OPTIONS ")).findFirst().orElse("");
            assertTrue(opts.contains("-DOPT_OUT_TRACKING=true") && opts.contains("-Dai.djl.offline=true"),
                    name + " must run DJL offline and without tracking");
            assertTrue(text.startsWith("///usr/bin/env jbang"), name + " header");
            // the lib's SIMD kernel needs the Vector API module to compile (and to run fast)
            assertTrue(text.contains("//COMPILE_OPTIONS --add-modules=jdk.incubator.vector")
                    && text.contains("//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector"), name + " lacks the vector module");
        }
        assertEquals(scripts.size(), catalog.size(), "catalog entries without a script");
    }

    @TestFactory
    Stream<DynamicTest> everyAliasBuildsAndPrintsHelpWithAnExample() throws IOException {
        return catalog().keySet().stream().map(alias -> DynamicTest.dynamicTest(alias, () -> {
            // by alias name, from a subfolder: resolves through the repository's own catalog
            Run r = jbang(ROOT.resolve("scripts"), alias, "--help");
            assertEquals(0, r.exit(), alias + " --help failed: " + r.err());
            assertTrue(r.out().contains("Usage: " + alias), alias + ": " + r.out());
            assertTrue(r.out().contains("Example") && r.out().contains("./jbang scripts/" + alias + ".java"),
                    alias + " --help lacks a runnable example");
        }));
    }

    @Test
    void badInputGivesOneLineAndNoOutput(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Run r = jbang(ROOT, "dump-fnorm", "--model", tmp.resolve("no-such-model").toString(), "--output-dir", out.toString());
        assertTrue(r.exit() != 0);
        List<String> errors = r.err().lines().filter(l -> l.startsWith("dump-fnorm: error:")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains("no such model folder"), errors.get(0));
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(Files.exists(out.resolve("fnorm-no-such-model.csv")));

        Run unknown = jbang(ROOT, "dump-kurtosis", "--model", "x", "--no-such-flag");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("Unknown option: '--no-such-flag'"), unknown.err());
    }

    @Test
    void truncatedCheckpointIsRejectedWithoutOutput(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("broken");
        Files.createDirectories(model);
        Path fixture = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
        Files.copy(fixture.resolve("config.json"), model.resolve("config.json"));
        byte[] weights = Files.readAllBytes(fixture.resolve("model.safetensors"));
        Files.write(model.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 2));
        Run r = jbang(ROOT, "dump-wdist", "--model", model.toString(), "--output-dir", tmp.resolve("out").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("outside the data section"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }
}
