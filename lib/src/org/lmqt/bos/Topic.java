package org.lmqt.bos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.cli.UserException;

/**
 * A level-1 topic of the BoS generator and how many sub-topics to ask for.
 *
 * @param name  the topic ({@code Math})
 * @param count sub-topics to request, at least 1
 */
public record Topic(String name, int count) {
    public Topic {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("empty topic name");
        }
        if (count < 1) {
            throw new IllegalArgumentException("topic '" + name + "': the sub-topic count must be >= 1, got " + count);
        }
    }

    /**
     * Reads a topics file: one {@code "<Topic>":<count>} per line; the topic is the part before the first colon with
     * every double quote removed, the count the part after it (whitespace around it ignored). Blank lines are
     * skipped; any other malformed line is a one-line error naming it.
     */
    public static List<Topic> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read the topics file (" + e.getMessage() + ")");
        }
        List<Topic> topics = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            String where = file + ":" + (i + 1) + ": ";
            if (colon < 0) {
                throw new UserException(where + "expected \"<Topic>\":<count>, got '" + line.strip() + "'");
            }
            String name = line.substring(0, colon).replace("\"", "").strip();
            int count;
            try {
                count = Integer.parseInt(line.substring(colon + 1).strip());
            } catch (NumberFormatException e) {
                throw new UserException(where + "the count after ':' is not an integer: '" + line.strip() + "'");
            }
            try {
                topics.add(new Topic(name, count));
            } catch (IllegalArgumentException e) {
                throw new UserException(where + e.getMessage());
            }
        }
        if (topics.isEmpty()) {
            throw new UserException(file + ": no topics");
        }
        return topics;
    }
}
