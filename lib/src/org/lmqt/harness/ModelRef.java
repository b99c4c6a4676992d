package org.lmqt.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.lmqt.cli.UserException;

/**
 * A model of the grid: a Hugging Face id ({@code meta-llama/Llama-2-7b-hf}, read from the hub cache) or a local
 * model folder. Unlike the original, which takes indices into a fixed list, {@code --model} takes these directly.
 *
 * @param id     what {@code progress.csv} records: the HF id, or the folder's absolute path
 * @param org    the organisation part of the snapshot path ({@code meta-llama}; {@code local} for folders)
 * @param name   the short id used in file names and result rows ({@code Llama-2-7b-hf}, or the folder's name)
 * @param folder the local folder, when the model is one
 */
public record ModelRef(String id, String org, String name, Optional<Path> folder) {

    public ModelRef {
        if (id.isBlank() || org.isBlank() || name.isBlank()) {
            throw new IllegalArgumentException("model id, organisation and name must not be blank");
        }
    }

    /** A folder that exists, else an {@code org/name} HF id; a one-line error for anything else. */
    public static ModelRef parse(String arg) {
        Path p = Path.of(arg);
        if (Files.isDirectory(p)) {
            Path abs = p.toAbsolutePath().normalize();
            return new ModelRef(abs.toString(), "local", abs.getFileName().toString(), Optional.of(abs));
        }
        String[] parts = arg.split("/");
        if (parts.length == 2 && !parts[0].isBlank() && !parts[1].isBlank() && !arg.startsWith(".")) {
            return new ModelRef(arg, parts[0], parts[1], Optional.empty());
        }
        throw new UserException("model '" + arg + "' is neither a folder nor a Hugging Face id (org/name)");
    }

    /** The argument to open the model with: the folder, or the HF id. */
    public String location() {
        return folder.map(Path::toString).orElse(id);
    }
}
