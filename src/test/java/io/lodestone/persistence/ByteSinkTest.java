package io.lodestone.persistence;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ByteSinkTest {
    @Test
    void putDecimalWritesWhatLongToStringDoes() {
        long[] values = {0, 1, 9, 10, 11, 99, 100, 12345, -1, -9, -10, -123456789, Integer.MAX_VALUE,
                Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
        ByteSink sink = new ByteSink(1); // grows on the way
        StringBuilder expected = new StringBuilder();
        for (long v : values) {
            sink.putDecimal(v);
            sink.put(',');
            expected.append(v).append(',');
        }
        assertEquals(expected.toString(), new String(sink.toArray(), StandardCharsets.US_ASCII));
    }
}
