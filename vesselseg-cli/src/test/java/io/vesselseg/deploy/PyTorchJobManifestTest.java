package io.vesselseg.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes/training/pytorchjob.yaml. kubernetes-validate has no schema for the Kubeflow PyTorchJob CRD
 * (it warns "Couldn't find schema for kind PyTorchJob" and exits 0), so the job is checked field by field against
 * kubeflow.org/v1 (PyTorchJobSpec, ReplicaSpec) and each replica's pod template is validated strictly as a
 * Kubernetes Pod. Skips, like {@link KubernetesManifestsTest}, when {@code .venv-deploy/} is absent.
 */
class PyTorchJobManifestTest {

  private static final Path JOB = Path.of(System.getProperty("vesselseg.checkout",
      System.getProperty("user.dir") + "/..")).toAbsolutePath().normalize()
      .resolve("deploy/kubernetes/training/pytorchjob.yaml");
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Set<String> JOB_SPEC = Set.of("runPolicy", "pytorchReplicaSpecs", "elasticPolicy", "nprocPerNode");
  static final Set<String> REPLICA_SPEC = Set.of("replicas", "template", "restartPolicy");
  static final Set<String> REPLICA_TYPES = Set.of("Master", "Worker");

  @BeforeEach
  void needsTheValidator() {
    new KubernetesManifestsTest().needsTheValidator();
  }

  @Test
  void theJobHasPyTorchJobFieldsAndItsPodsPassStrictValidation(@TempDir Path dir) throws Exception {
    JsonNode job = KubernetesManifestsTest.read(JOB).get(0);
    assertEquals("kubeflow.org/v1", job.get("apiVersion").asText());
    assertEquals("PyTorchJob", job.get("kind").asText());
    job.get("spec").fieldNames().forEachRemaining(f -> assertTrue(JOB_SPEC.contains(f), "spec." + f
        + " is not a PyTorchJobSpec field " + JOB_SPEC));
    JsonNode replicas = job.at("/spec/pytorchReplicaSpecs");
    assertEquals(1, replicas.at("/Master/replicas").asInt(), "one Master: rank 0, which hosts the store");
    int world = 0;
    List<Path> pods = new ArrayList<>();
    for (var it = replicas.fields(); it.hasNext(); ) {
      var e = it.next();
      assertTrue(REPLICA_TYPES.contains(e.getKey()), "replica type " + e.getKey() + " (expected " + REPLICA_TYPES + ")");
      e.getValue().fieldNames().forEachRemaining(f -> assertTrue(REPLICA_SPEC.contains(f), e.getKey() + "." + f
          + " is not a ReplicaSpec field " + REPLICA_SPEC));
      world += e.getValue().get("replicas").asInt();
      JsonNode c = e.getValue().at("/template/spec/containers/0");
      assertEquals("pytorch", c.get("name").asText(), "the operator sets the environment of the container named pytorch");
      assertEquals("pytorchjob-port", c.at("/ports/0/name").asText(), "the operator's MASTER_PORT port name");
      ObjectNode pod = JSON.createObjectNode();
      pod.put("apiVersion", "v1");
      pod.put("kind", "Pod");
      pod.putObject("metadata").put("name", "vesselseg-train-" + e.getKey().toLowerCase());
      pod.set("spec", e.getValue().at("/template/spec"));
      pods.add(Files.writeString(dir.resolve(e.getKey() + ".json"), JSON.writeValueAsString(pod)));
    }
    List<String> command = new ArrayList<>();
    replicas.at("/Master/template/spec/containers/0/command").forEach(n -> command.add(n.asText()));
    assertTrue(command.contains("train"), "the pods train: " + command);
    int batch = Integer.parseInt(command.get(command.indexOf("--batch-size") + 1));
    assertEquals(0, batch % world, "--batch-size " + batch + " must be a multiple of the " + world + " ranks");
    for (Path p : pods) {
      KubernetesManifestsTest.Run r = KubernetesManifestsTest.validate(p);
      assertEquals(0, r.code(), p.getFileName() + " as a Pod: " + r.out());
      assertTrue(r.out().contains("passed") && !r.out().contains("WARN"), r.out());
    }
  }
}
