package org.stepdpo.model.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parsed, checked header of one safetensors file: 8 bytes of little-endian header length N, then
 * N bytes of JSON mapping each tensor name to {@code dtype}, {@code shape} and {@code data_offsets}
 * (relative to the data section that follows the header), plus an optional {@code __metadata__}.
 *
 * @param tensors  tensors by name, sorted, with absolute byte offsets
 * @param metadata the {@code __metadata__} strings (empty when absent)
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    /** Bigger headers are refused as corrupt (the safetensors library's own limit is 100 MB). */
    static final long MAX_HEADER_BYTES = 100L << 20;

    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads and checks the header of {@code file}, open as {@code channel}. */
    static SafetensorsHeader read(Path file, FileChannel channel) {
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new IllegalArgumentException(file + " is not a safetensors file: it has " + fileSize
                        + " bytes, fewer than the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0, file);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 2 || headerLength > fileSize - 8 || headerLength > MAX_HEADER_BYTES) {
                throw new IllegalArgumentException(file + " is not a safetensors file or is truncated: its header"
                        + " length is " + Long.toUnsignedString(headerLength) + " bytes but the file has only "
                        + fileSize + " bytes" + (headerLength > MAX_HEADER_BYTES ? " (headers are at most 100 MB)" : ""));
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8, file);
            JsonNode root;
            try {
                root = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + " has a header that is not valid JSON: "
                        + e.getOriginalMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException(file + " has a header that is not a JSON object");
            }
            return parse(root, file, 8 + headerLength, fileSize);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static SafetensorsHeader parse(JsonNode root, Path file, long dataSection, long fileSize) {
        Map<String, TensorInfo> tensors = new TreeMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!node.isObject()) {
                    throw new IllegalArgumentException(file + ": __metadata__ must be a JSON object of strings");
                }
                node.fields().forEachRemaining(m ->
                        metadata.put(m.getKey(), m.getValue().isTextual() ? m.getValue().asText() : m.getValue().toString()));
                continue;
            }
            tensors.put(name, tensor(name, node, file, dataSection, fileSize));
        }
        requireDisjoint(tensors, file);
        return new SafetensorsHeader(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    /** Two tensors never share bytes: the safetensors format lays them out one after another. */
    private static void requireDisjoint(Map<String, TensorInfo> tensors, Path file) {
        java.util.List<TensorInfo> byOffset = new java.util.ArrayList<>(tensors.values());
        byOffset.sort(java.util.Comparator.comparingLong(TensorInfo::dataStart).thenComparingLong(TensorInfo::byteLength));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo a = byOffset.get(i - 1);
            TensorInfo b = byOffset.get(i);
            if (b.dataStart() < a.dataStart() + a.byteLength() && b.byteLength() > 0 && a.byteLength() > 0) {
                throw new IllegalArgumentException(file + ": tensors " + a.name() + " and " + b.name() + " overlap (bytes ["
                        + a.dataStart() + ", " + (a.dataStart() + a.byteLength()) + ") and [" + b.dataStart() + ", "
                        + (b.dataStart() + b.byteLength()) + ") of the file)");
            }
        }
    }

    private static TensorInfo tensor(String name, JsonNode node, Path file, long dataSection, long fileSize) {
        String where = "tensor " + name + " in " + file;
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw new IllegalArgumentException(where + " has a malformed header entry " + node
                    + ": expected {\"dtype\": \"F32\", \"shape\": [..], \"data_offsets\": [begin, end]}");
        }
        DType dtype = DType.parse(dtypeNode.asText(), where);
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(shapeNode.get(i), where, "shape");
        }
        long begin = nonNegativeLong(offsetsNode.get(0), where, "data_offsets");
        long end = nonNegativeLong(offsetsNode.get(1), where, "data_offsets");
        long needed;
        try {
            needed = Math.multiplyExact(TensorInfo.elements(shape), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(where + " has shape " + Arrays.toString(shape) + " too large to address");
        }
        if (end < begin || end - begin != needed) {
            throw new IllegalArgumentException(where + " has data_offsets [" + begin + ", " + end + "] spanning "
                    + (end - begin) + " bytes, but dtype " + dtype + " and shape " + Arrays.toString(shape)
                    + " need " + needed + " bytes");
        }
        if (end > fileSize - dataSection) {
            throw new IllegalArgumentException(file + " is truncated: tensor " + name + " needs bytes up to "
                    + (dataSection + end) + " but the file has only " + fileSize);
        }
        return new TensorInfo(name, dtype, shape, file, dataSection + begin, needed);
    }

    private static long nonNegativeLong(JsonNode n, String where, String field) {
        if (n == null || !n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong() < 0) {
            throw new IllegalArgumentException(where + " has " + field + " entry " + n
                    + ": expected a non-negative integer");
        }
        return n.asLong();
    }

    /** Fills {@code dst} from {@code position} on; a file that ends first is reported as truncated. */
    static void readFully(FileChannel channel, ByteBuffer dst, long position, Path file) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, p);
            if (n < 0) {
                throw new IllegalArgumentException(file + " is truncated: expected bytes up to "
                        + (p + dst.remaining()) + " but the file ends at " + p);
            }
            p += n;
        }
    }
}
