package org.lmqt.bos;

/**
 * One row of the BoS data set.
 *
 * @param topic     the sub-topic the line explains
 * @param text      one generated line of at least {@value BosPrompts#MIN_LINE} characters
 * @param timestamp when it was generated, {@code %Y-%m-%d %H:%M:%S}
 */
public record BosRecord(String topic, String text, String timestamp) {
    public BosRecord {
        if (topic == null || text == null || timestamp == null) {
            throw new IllegalArgumentException("a record needs a topic, a text and a timestamp");
        }
    }
}
