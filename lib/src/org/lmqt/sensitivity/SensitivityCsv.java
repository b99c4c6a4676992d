package org.lmqt.sensitivity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;

/** The original's sensitivity CSV ({@code dataset,part,model,nbits,group_size,layer,sensitivity}), read and written. */
public final class SensitivityCsv {
    private SensitivityCsv() {}

    /** The rows of {@code file}, or none when it does not exist; a one-line error for another schema. */
    public static List<SensitivityRow> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (lines.isEmpty() || !lines.get(0).strip().equals(SensitivityRow.HEADER)) {
            throw new UserException(file + ": not a sensitivity CSV (expected the header " + SensitivityRow.HEADER + ")");
        }
        List<SensitivityRow> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split(",", -1);
            try {
                rows.add(new SensitivityRow(f[0], BlockPart.ofLabel(f[1]), f[2], Integer.parseInt(f[3]),
                        Integer.parseInt(f[4]), Integer.parseInt(f[5]), Float.parseFloat(f[6])));
            } catch (RuntimeException e) {
                throw new UserException(file + ": line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return rows;
    }

    /** Writes {@code rows} atomically, in the given order. */
    public static void write(Path file, List<SensitivityRow> rows) {
        StringBuilder sb = new StringBuilder(SensitivityRow.HEADER).append('\n');
        rows.forEach(r -> sb.append(r.csvLine()).append('\n'));
        AtomicFiles.writeString(file, sb.toString());
    }
}
