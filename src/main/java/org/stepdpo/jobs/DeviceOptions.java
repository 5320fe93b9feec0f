package org.stepdpo.jobs;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import picocli.CommandLine.Option;

/** The {@code --device} and {@code --dtype} flags of the model tools, and their parsing (a picocli mixin). */
final class DeviceOptions {
    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", defaultValue = "cpu",
            description = "Where to run (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", paramLabel = "float32|float16", defaultValue = "float32",
            description = "Parameter dtype (default: ${DEFAULT-VALUE}; float16 for GPUs).")
    String dtype;

    Device device() {
        if (device.equals("cpu")) {
            return Device.cpu();
        }
        if (device.matches("gpu(:\\d+)?")) {
            int index = device.contains(":") ? Integer.parseInt(device.substring(4)) : 0;
            if (Engine.getInstance().getGpuCount() <= index) {
                throw new IllegalArgumentException("--device " + device + ": no such GPU (the engine sees "
                        + Engine.getInstance().getGpuCount() + ")");
            }
            return Device.gpu(index);
        }
        throw new IllegalArgumentException("--device must be cpu, gpu or gpu:N, got '" + device + "'");
    }

    DataType dataType() {
        return dataType(dtype);
    }

    static DataType dataType(String dtype) {
        return switch (dtype) {
            case "float32" -> DataType.FLOAT32;
            case "float16" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("--dtype must be float32 or float16, got '" + dtype + "'");
        };
    }

    /** Token ids written as whole numbers separated by spaces or commas ({@code --ids}). */
    static int[] parseIds(String ids) {
        try {
            return Arrays.stream(ids.trim().split("[\\s,]+")).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--ids: expected whole numbers separated by spaces, got '" + ids + "'");
        }
    }
}
