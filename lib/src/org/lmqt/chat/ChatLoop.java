package org.lmqt.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.lmqt.cli.UserException;

/**
 * The chat's read-answer loop: one user turn per input line; {@code /reset} forgets the conversation,
 * {@code /exit} (or the end of input) ends it, blank lines are skipped. Interactive: a {@code you> } prompt, the
 * answer streamed after {@code model> }, and a turn too long for the model is reported and dropped. Scripted
 * (a prompt file): each turn printed as {@code user: <line>} then {@code assistant: <answer>}, and an error ends
 * the run.
 */
public final class ChatLoop {
    /** Forgets the conversation. */
    public static final String RESET = "/reset";
    /** Ends the chat. */
    public static final String EXIT = "/exit";

    private ChatLoop() {}

    /** Runs the loop over {@code in}; returns the number of answers given. */
    public static int run(ChatSession session, BufferedReader in, PrintWriter out, boolean interactive) {
        int answers = 0;
        try {
            while (true) {
                if (interactive) {
                    out.print("you> ");
                    out.flush();
                }
                String line = in.readLine();
                if (line == null || line.strip().equals(EXIT)) {
                    break;
                }
                if (line.isBlank()) {
                    continue;
                }
                if (line.strip().equals(RESET)) {
                    session.reset();
                    out.println("(conversation reset)");
                    out.flush();
                    continue;
                }
                if (!interactive) {
                    out.println("user: " + line);
                    out.flush();
                }
                boolean[] started = {false};
                try {
                    String answer = session.reply(line, piece -> {
                        if (interactive) {
                            // the answer streams after the label, which appears with its first piece
                            if (!started[0]) {
                                out.print("model> ");
                                started[0] = true;
                            }
                            out.print(piece);
                            out.flush();
                        }
                    });
                    out.println(interactive ? (started[0] ? "" : "model> ") : "assistant: " + answer);
                    out.flush();
                    answers++;
                } catch (UserException e) {
                    if (!interactive) {
                        throw e;
                    }
                    out.println("(" + e.getMessage() + ")");
                    out.flush();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return answers;
    }
}
