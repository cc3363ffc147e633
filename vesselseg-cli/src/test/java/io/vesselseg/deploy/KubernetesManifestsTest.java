package io.vesselseg.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests in deploy/kubernetes/: every Kubernetes resource passes {@code kubernetes-validate --strict}
 * (PyPI, pinned in scripts/deploy-venv.sh, schemas bundled, offline) for Kubernetes {@value #KUBERNETES}; the
 * settings that matter (probes, security, resources, grace period, /tmp) are the ones the service needs; the KServe
 * InferenceService, whose CRD schema kubernetes-validate does not have, is checked field by field against the
 * serving.kserve.io/v1beta1 fields, and its pod part is validated as a Kubernetes Pod. No API server is started:
 * kind would pull its node image from a registry. Skips when {@code .venv-deploy/} is absent.
 */
class KubernetesManifestsTest {

  static final String KUBERNETES = "1.37.0";
  private static final Path CHECKOUT = Path.of(System.getProperty("vesselseg.checkout",
      System.getProperty("user.dir") + "/..")).toAbsolutePath().normalize();
  private static final Path MANIFESTS = CHECKOUT.resolve("deploy/kubernetes");
  private static final Path VENV = CHECKOUT.resolve(".venv-deploy/bin");
  private static final ObjectMapper JSON = new ObjectMapper();

  record Run(int code, String out) {
  }

  @BeforeEach
  void needsTheValidator() {
    Assumptions.assumeTrue(Files.isExecutable(VENV.resolve("kubernetes-validate")), "skipped: "
        + VENV.resolve("kubernetes-validate") + " does not exist; run `bash scripts/deploy-venv.sh` to install "
        + "kubernetes-validate, the offline schema validator this test runs");
  }

  static Run run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    boolean done = p.waitFor(120, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish in 120 s: " + out);
    }
    return new Run(p.exitValue(), out.strip());
  }

  static Run validate(Path... files) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(VENV.resolve("kubernetes-validate").toString(), "--strict", "-k",
        KUBERNETES));
    for (Path f : files) {
      cmd.add(f.toString());
    }
    return run(cmd);
  }

  /** The YAML documents of a file, as JSON (PyYAML from the same venv: kubernetes-validate depends on it). */
  static List<JsonNode> read(Path yaml) throws Exception {
    Run r = run(List.of(VENV.resolve("python").toString(), "-c", "import sys, json, yaml; "
        + "print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]))", yaml.toString()));
    assertEquals(0, r.code(), yaml + " is not YAML: " + r.out());
    List<JsonNode> docs = new ArrayList<>();
    JSON.readTree(r.out()).forEach(docs::add);
    return docs;
  }

  /** Every Kubernetes resource file: deploy/kubernetes/**.yaml less the CRDs' kserve/ and training/, kustomization. */
  static List<Path> kubernetesResources() throws Exception {
    try (Stream<Path> s = Files.walk(MANIFESTS)) {
      return s.filter(f -> f.toString().endsWith(".yaml"))
          .filter(f -> !f.startsWith(MANIFESTS.resolve("kserve")) && !f.startsWith(MANIFESTS.resolve("training")))
          .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
          .sorted().collect(Collectors.toList());
    }
  }

  @Test
  void everyManifestPassesStrictValidation() throws Exception {
    List<Path> files = kubernetesResources();
    assertTrue(files.size() >= 5, "expected the Deployment, Service, HPA, PDB and GPU Deployment: " + files);
    for (Path f : files) {
      Run r = validate(f);
      assertEquals(0, r.code(), "kubernetes-validate --strict -k " + KUBERNETES + " " + CHECKOUT.relativize(f)
          + ": " + r.out());
      // an unknown apiVersion/kind is only a warning with exit 0: every resource here must have a schema
      assertTrue(r.out().contains("passed") && !r.out().contains("WARN") && !r.out().contains("ERROR"),
          CHECKOUT.relativize(f) + ": " + r.out());
    }
  }

  @Test
  void theValidatorRejectsAMisspelledField(@TempDir Path dir) throws Exception {
    String deployment = Files.readString(MANIFESTS.resolve("deployment.yaml"));
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, deployment.replace("  replicas: 2\n", "  replica: 2\n"));
    assertNotEquals(deployment, Files.readString(broken), "deployment.yaml has no 'replicas: 2' line to misspell");
    Run r = validate(broken);
    assertNotEquals(0, r.code(), "strict validation let 'replica' through: " + r.out());
    assertTrue(r.out().contains("replica"), r.out());
  }

  @Test
  void kustomizationListsTheTopLevelManifests() throws Exception {
    JsonNode k = read(MANIFESTS.resolve("kustomization.yaml")).get(0);
    Set<String> listed = new HashSet<>();
    k.get("resources").forEach(n -> listed.add(n.asText()));
    Set<String> present;
    try (Stream<Path> s = Files.list(MANIFESTS)) {
      present = s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
          .filter(n -> !n.equals("kustomization.yaml")).collect(Collectors.toSet());
    }
    assertEquals(present, listed, "kustomization.yaml resources vs the files in deploy/kubernetes/");
  }

  @Test
  void theDeploymentsCarryWhatTheServiceNeeds() throws Exception {
    for (String file : List.of("deployment.yaml", "gpu/deployment-gpu.yaml")) {
      JsonNode d = read(MANIFESTS.resolve(file)).get(0);
      String where = file + ": ";
      JsonNode pod = d.at("/spec/template/spec");
      JsonNode c = pod.at("/containers/0");
      assertEquals("/v2/health/ready", c.at("/readinessProbe/httpGet/path").asText(), where + "readiness");
      assertEquals("/v2/health/live", c.at("/livenessProbe/httpGet/path").asText(), where + "liveness");
      assertEquals("/v2/health/ready", c.at("/startupProbe/httpGet/path").asText(), where + "startup");
      long startupBudget = c.at("/startupProbe/periodSeconds").asLong() * c.at("/startupProbe/failureThreshold")
          .asLong();
      assertTrue(startupBudget >= 120, where + "the startup probe allows " + startupBudget + " s for the model load");
      assertEquals(8080, c.at("/ports/0/containerPort").asInt(), where + "port");
      assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean(), where + "runAsNonRoot");
      assertEquals(10001, pod.at("/securityContext/runAsUser").asInt(), where + "the image's user");
      assertTrue(c.at("/securityContext/readOnlyRootFilesystem").asBoolean(), where + "readOnlyRootFilesystem");
      assertEquals("ALL", c.at("/securityContext/capabilities/drop/0").asText(), where + "capabilities");
      assertTrue(pod.at("/terminationGracePeriodSeconds").asInt() > 30, where
          + "the grace period must exceed the server's 30 s graceful stop");
      assertEquals("/tmp", c.at("/volumeMounts/0/mountPath").asText(), where + "/tmp mount");
      assertTrue(pod.at("/volumes/0/emptyDir").isObject(), where + "/tmp is an emptyDir");
      assertEquals("true", d.at("/spec/template/metadata/annotations/prometheus.io~1scrape").asText(), where);
      assertEquals("/metrics", d.at("/spec/template/metadata/annotations/prometheus.io~1path").asText(), where);
      assertTrue(c.at("/resources/requests/memory").isTextual() && c.at("/resources/limits/memory").isTextual(),
          where + "memory requests and limits");
    }
    JsonNode gpu = read(MANIFESTS.resolve("gpu/deployment-gpu.yaml")).get(0);
    assertEquals(1, gpu.at("/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu").asInt(),
        "the GPU Deployment asks for one nvidia.com/gpu");
    JsonNode hpa = read(MANIFESTS.resolve("hpa.yaml")).get(0);
    assertEquals("autoscaling/v2", hpa.get("apiVersion").asText());
    assertEquals("cpu", hpa.at("/spec/metrics/0/resource/name").asText());
    assertEquals("vesselseg", hpa.at("/spec/scaleTargetRef/name").asText());
  }

  /** The fields of serving.kserve.io/v1beta1 InferenceServiceSpec and PredictorSpec (KServe 0.11 to 0.15). */
  static final Set<String> ISVC_SPEC = Set.of("predictor", "transformer", "explainer");
  static final Set<String> COMPONENT_EXTENSION = Set.of("minReplicas", "maxReplicas", "scaleTarget", "scaleMetric",
      "scaleMetricType", "autoScaling", "containerConcurrency", "timeout", "canaryTrafficPercent", "logger", "batcher",
      "labels", "annotations", "deploymentStrategy", "workerSpec");
  static final Set<String> PREDICTOR_FORMATS = Set.of("sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx",
      "huggingface", "pmml", "lightgbm", "paddle", "model");

  @Test
  void theInferenceServiceHasKServeV1beta1Fields(@TempDir Path dir) throws Exception {
    JsonNode isvc = read(MANIFESTS.resolve("kserve/inferenceservice.yaml")).get(0);
    assertEquals("serving.kserve.io/v1beta1", isvc.get("apiVersion").asText());
    assertEquals("InferenceService", isvc.get("kind").asText());
    assertTrue(isvc.at("/metadata/name").isTextual(), "metadata.name");
    isvc.get("spec").fieldNames().forEachRemaining(f -> assertTrue(ISVC_SPEC.contains(f), "spec." + f
        + " is not an InferenceServiceSpec field " + ISVC_SPEC));
    JsonNode predictor = isvc.at("/spec/predictor");
    ObjectNode podSpec = JSON.createObjectNode();
    for (Iterator<String> it = predictor.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      assertTrue(!PREDICTOR_FORMATS.contains(f), "spec.predictor." + f + ": a custom container, no model format");
      if (!COMPONENT_EXTENSION.contains(f)) {
        podSpec.set(f, predictor.get(f)); // PredictorSpec embeds the PodSpec: the rest must be PodSpec fields
      }
    }
    assertTrue(predictor.get("minReplicas").asInt() >= 1, "minReplicas >= 1: no scale to zero (model load)");
    JsonNode c = predictor.at("/containers/0");
    assertEquals("kserve-container", c.get("name").asText(), "KServe's name for the serving container");
    String image = read(MANIFESTS.resolve("deployment.yaml")).get(0).at("/spec/template/spec/containers/0/image")
        .asText();
    assertEquals(image, c.get("image").asText(), "the same image as the Deployment");
    assertEquals(8080, c.at("/ports/0/containerPort").asInt());
    boolean v2 = false;
    for (JsonNode e : c.get("env")) {
      v2 |= e.get("name").asText().equals("PROTOCOL") && e.get("value").asText().equals("v2");
    }
    assertTrue(v2, "PROTOCOL=v2 on the container: KServe's protocol switch for custom predictors");
    assertEquals("/v2/health/ready", c.at("/readinessProbe/httpGet/path").asText());
    assertEquals("/v2/health/live", c.at("/livenessProbe/httpGet/path").asText());
    // the pod part against the real Kubernetes schema: as a Pod
    ObjectNode pod = JSON.createObjectNode();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    pod.putObject("metadata").put("name", "vesselseg-predictor");
    pod.set("spec", podSpec);
    Path podFile = Files.writeString(dir.resolve("predictor-pod.json"), JSON.writeValueAsString(pod));
    Run r = validate(podFile);
    assertEquals(0, r.code(), "spec.predictor as a PodSpec: " + r.out());
    assertTrue(r.out().contains("passed") && !r.out().contains("WARN"), r.out());
  }
}
