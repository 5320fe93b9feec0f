package org.stepdpo.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Fixture paths and raw safetensors bytes for the io tests. */
final class TestFiles {

    static final ObjectMapper JSON = new ObjectMapper();

    private TestFiles() {}

    /** {@code /fixtures/models/NAME} on the test classpath. */
    static Path fixture(String name) {
        URL url = TestFiles.class.getResource("/fixtures/models/" + name);
        if (url == null) {
            throw new IllegalStateException("fixture /fixtures/models/" + name + " is not on the test classpath");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The header length field of a safetensors file. */
    static long headerLength(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            c.read(b, 0);
            return b.getLong(0);
        }
    }

    /** The JSON header of a safetensors file, parsed. */
    static JsonNode header(Path file) throws IOException {
        int n = (int) headerLength(file);
        byte[] all = Files.readAllBytes(file);
        return JSON.readTree(new String(all, 8, n, StandardCharsets.UTF_8));
    }

    /** Writes a file with the given header text (unpadded) followed by {@code data}. */
    static Path rawFile(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(file, b.array());
        return file;
    }
}
