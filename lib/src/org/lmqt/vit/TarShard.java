package org.lmqt.vit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.cli.UserException;

/**
 * The regular-file members of a POSIX (ustar) tar file, as webdataset shards are written: name, offset and size
 * from the 512-byte headers, the contents read on demand.
 */
final class TarShard {

    /** One member. */
    record Member(Path tar, String name, long offset, int size) {

        /** The member's bytes. */
        byte[] read() {
            try (RandomAccessFile f = new RandomAccessFile(tar.toFile(), "r")) {
                byte[] b = new byte[size];
                f.seek(offset);
                f.readFully(b);
                return b;
            } catch (IOException e) {
                throw new UserException(tar + ": cannot read " + name + " (" + e.getMessage() + ")");
            }
        }
    }

    private TarShard() {}

    /** The regular files of {@code tar}, in archive order. */
    static List<Member> members(Path tar) {
        List<Member> out = new ArrayList<>();
        try (RandomAccessFile f = new RandomAccessFile(tar.toFile(), "r")) {
            long pos = 0;
            byte[] h = new byte[512];
            while (pos + 512 <= f.length()) {
                f.seek(pos);
                f.readFully(h);
                if (allZero(h)) {
                    break;   // end-of-archive block
                }
                String name = text(h, 0, 100);
                String prefix = text(h, 345, 155);
                long size = octal(h, 124, 12, tar);
                char type = (char) h[156];
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                if ((type == '0' || type == 0) && size <= Integer.MAX_VALUE) {
                    out.add(new Member(tar, name, pos + 512, (int) size));
                }
                pos += 512 + (size + 511) / 512 * 512;
            }
        } catch (IOException e) {
            throw new UserException(tar + ": cannot read the tar file (" + e.getMessage() + ")");
        }
        return out;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] b, int from, int len) {
        int end = from;
        while (end < from + len && b[end] != 0) {
            end++;
        }
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int from, int len, Path tar) {
        String s = text(b, from, len).trim();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new UserException(tar + ": not a tar file (bad size field '" + s + "')");
        }
    }
}
