package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be checked of {@code docker/} without a Docker engine (there is none where this project
 * is built): the compose file parses and wires the services as docker/README.md says, every path
 * the Dockerfile copies exists after {@code mvn package}, its versions are the build's, and the GPU
 * discovery script prints what Spark reads.
 */
class DockerRecipeIT {
    private static final Path DOCKER = Launch.ROOT.resolve("docker");

    @Test
    void composeFileWiresMasterGpuWorkersZeppelinAndTheSharedVolume() throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(DOCKER.resolve("compose.yaml").toFile());
        JsonNode services = compose.path("services");
        assertEquals(List.of("spark-master", "spark-worker", "zeppelin"), names(services));
        for (JsonNode service : services) {
            JsonNode build = service.path("build");
            if (!build.isMissingNode()) {
                Path context = DOCKER.resolve(build.path("context").asText()).normalize();
                assertEquals(Launch.ROOT, context, "the image is built from the repository root");
                assertTrue(Files.isRegularFile(context.resolve(build.path("dockerfile").asText())));
                assertTrue(dockerfile().contains(" AS " + build.path("target").asText() + "\n"),
                        "stage " + build.path("target"));
            }
            assertTrue(service.path("volumes").toString().contains("\"work:/work\""), "shared volume in " + service);
        }
        JsonNode worker = services.path("spark-worker");
        String opts = worker.path("environment").path("SPARK_WORKER_OPTS").asText();
        assertTrue(opts.contains("-Dspark.worker.resource.gpu.amount=1"), opts);
        Matcher script = Pattern.compile("discoveryScript=(\\S+)").matcher(opts);
        assertTrue(script.find(), opts);
        assertTrue(dockerfile().contains("COPY docker/getGpusResources.sh " + script.group(1) + "\n"),
                "the worker's discovery script is the one the image holds");
        JsonNode gpu = worker.path("deploy").path("resources").path("reservations").path("devices").get(0);
        assertEquals("nvidia", gpu.path("driver").asText());
        assertEquals("gpu", gpu.path("capabilities").get(0).asText());
        assertTrue(worker.path("command").toString().contains("spark://spark-master:7077"));
        JsonNode zeppelin = services.path("zeppelin");
        assertTrue(zeppelin.path("volumes").toString().contains("../notebooks:/opt/zeppelin/notebook/"));
        assertTrue(zeppelin.path("environment").path("SPARK_SUBMIT_OPTIONS").asText()
                .contains("--jars /opt/stepdpo/target/stepdpo.jar"), "the jar on the Spark interpreter's classpath");
        assertTrue(compose.path("volumes").has("work"));
    }

    @Test
    void everyCopiedPathExistsAndTheVersionsAreTheBuilds() throws IOException {
        String dockerfile = dockerfile();
        List<String> sources = new ArrayList<>();
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) (\\S+)$").matcher(dockerfile);
        while (copy.find()) {
            sources.add(copy.group(1));
            assertTrue(Files.exists(Launch.ROOT.resolve(copy.group(1))), "COPY " + copy.group(1) + " (after mvn package)");
        }
        assertTrue(sources.containsAll(List.of("target/stepdpo.jar", "jobs", "data", "notebooks")), sources.toString());
        String pom = Files.readString(Launch.ROOT.resolve("pom.xml"));
        assertEquals(tag(pom, "spark.version"), arg(dockerfile, "SPARK_VERSION"));
        assertEquals(tag(pom, "pytorch.version"), arg(dockerfile, "PYTORCH_VERSION"));
        // DJL loads the CUDA libtorch with the JNI glue of the same flavor, which the jar must carry
        String flavor = arg(dockerfile, "PYTORCH_FLAVOR");
        assertTrue(dockerfile.contains("cudnn-runtime") && flavor.startsWith("cu"), flavor);
        assertTrue(dockerfile.contains("nvidia/cuda:" + flavor.charAt(2) + flavor.charAt(3) + "." + flavor.charAt(4)),
                "the CUDA base image is the flavor's CUDA " + flavor);
        try (JarFile jar = new JarFile(Launch.ROOT.resolve("target/stepdpo.jar").toFile())) {
            assertTrue(jar.getEntry("jnilib/linux-x86_64/" + flavor + "/libdjl_torch.so") != null,
                    "stepdpo.jar has no JNI library for " + flavor);
        }
        for (String ignored : Files.readAllLines(Launch.ROOT.resolve(".dockerignore"))) {
            String pattern = ignored.strip();
            if (!pattern.isEmpty() && !pattern.startsWith("#")) {
                for (String source : sources) {
                    assertFalse(source.startsWith(pattern.replaceAll("/$", "")), source + " is in .dockerignore");
                }
            }
        }
    }

    @Test
    void discoveryScriptPrintsWhatSparkReads(@TempDir Path tmp) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\n[ \"$1\" = --query-gpu=index ] || exit 9\nprintf '0\\n1\\n'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        String script = DOCKER.resolve("getGpusResources.sh").toString();
        Launch.Result two = Launch.runWithEnv(30, Map.of("PATH", bin + ":/usr/bin:/bin"), null, script);
        assertEquals(0, two.code(), two.both());
        ResourceInformation gpus = ResourceInformation.parseJson(two.out().strip());
        assertEquals("gpu", gpus.name());
        assertEquals(List.of("0", "1"), List.of(gpus.addresses()));

        Launch.Result none = Launch.runWithEnv(30, Map.of("PATH", "/usr/bin:/bin"), null, script);
        assertEquals(0, none.code(), none.both());
        assertEquals(0, ResourceInformation.parseJson(none.out().strip()).addresses().length, none.out());
    }

    private static String dockerfile() throws IOException {
        return Files.readString(DOCKER.resolve("Dockerfile"));
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(xml);
        assertTrue(m.find(), name);
        return m.group(1);
    }

    private static String arg(String dockerfile, String name) {
        Matcher m = Pattern.compile("(?m)^ARG " + name + "=(\\S+)$").matcher(dockerfile);
        assertTrue(m.find(), "ARG " + name);
        return m.group(1);
    }
}
