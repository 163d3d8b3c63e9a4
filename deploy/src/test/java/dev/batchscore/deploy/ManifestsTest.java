package dev.batchscore.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.batchscore.deploy.Manifests.Manifest;
import dev.batchscore.pipeline.config.JobConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every manifest under {@code deploy/k8s/} (each file, the manifests embedded in ConfigMaps,
 * and each kustomization's rendered output) the way the API server and the Flink operator would
 * take it, and against what the build produced: the operator's CRD schemas, the Kubernetes model of
 * the built-in kinds (strictly: an unknown field fails), the job jar's name and entry class, the
 * job's own option parser, and the example Secret.
 */
class ManifestsTest {
    private static final String JOB_JAR = "batchscore.jar";

    /**
     * The operator's own name for the Flink container, whose env and mounts the pod template sets.
     */
    private static final String FLINK_CONTAINER = "flink-main-container";

    /** Built-in kinds this project ships, as their apiVersion and fabric8 model class. */
    private static final Map<String, Map.Entry<String, Class<?>>> BUILT_IN =
            Map.of(
                    "ConfigMap", Map.entry("v1", ConfigMap.class),
                    "Secret", Map.entry("v1", Secret.class),
                    "ServiceAccount", Map.entry("v1", ServiceAccount.class),
                    "PersistentVolumeClaim", Map.entry("v1", PersistentVolumeClaim.class),
                    "CronJob", Map.entry("batch/v1", CronJob.class),
                    "Role", Map.entry("rbac.authorization.k8s.io/v1", Role.class),
                    "RoleBinding", Map.entry("rbac.authorization.k8s.io/v1", RoleBinding.class));

    private static final ObjectMapper STRICT =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static Map<String, JsonSchema> crdSchemas;
    private static List<Manifest> manifests;

    @TempDir static Path scratch;

    @BeforeAll
    static void load() throws Exception {
        crdSchemas = crdSchemas();
        manifests = new ArrayList<>(Manifests.all());
        for (Path dir : Manifests.kustomizations()) {
            for (Manifest m : Manifests.render(dir)) {
                manifests.add(
                        new Manifest(
                                "kubectl apply -k " + Manifests.k8sDir().relativize(dir),
                                m.node()));
            }
        }
    }

    @Test
    void everyManifestIsOfAKindThatIsChecked() {
        assertThat(manifests).isNotEmpty();
        for (Manifest m : manifests) {
            assertThat(crdSchemas.containsKey(m.kind()) || BUILT_IN.containsKey(m.kind()))
                    .as("%s: a kind this test checks (%s, %s)", m, crdSchemas.keySet(), BUILT_IN)
                    .isTrue();
            assertThat(m.name()).as("%s: metadata.name", m).isNotBlank();
        }
        Set<String> kinds = manifests.stream().map(Manifest::kind).collect(Collectors.toSet());
        assertThat(kinds)
                .contains(
                        "FlinkDeployment",
                        "FlinkSessionJob",
                        "ConfigMap",
                        "Secret",
                        "CronJob",
                        "ServiceAccount",
                        "Role",
                        "RoleBinding");
    }

    @Test
    void flinkResourcesValidateAgainstTheOperatorsCrdSchemas() {
        List<String> errors = new ArrayList<>();
        for (Manifest m : manifests) {
            JsonSchema schema = crdSchemas.get(m.kind());
            if (schema == null) {
                continue;
            }
            assertThat(m.node().path("apiVersion").asText())
                    .as("%s apiVersion", m)
                    .isEqualTo("flink.apache.org/v1beta1");
            for (ValidationMessage error : schema.validate(m.node())) {
                errors.add(m + ": " + error.getMessage());
            }
            errors.addAll(strictBuiltIn(m, m.node().path("metadata"), ObjectMetaHolder.class));
        }
        assertThat(errors).as("CRD schema violations").isEmpty();
    }

    @Test
    void builtInKindsValidateStrictlyAgainstTheKubernetesModel() {
        List<String> errors = new ArrayList<>();
        for (Manifest m : manifests) {
            Map.Entry<String, Class<?>> kind = BUILT_IN.get(m.kind());
            if (kind == null) {
                continue;
            }
            assertThat(m.node().path("apiVersion").asText())
                    .as("%s apiVersion", m)
                    .isEqualTo(kind.getKey());
            errors.addAll(strictBuiltIn(m, m.node(), kind.getValue()));
        }
        assertThat(errors).as("fields the Kubernetes model does not know").isEmpty();
    }

    @Test
    void cronJobStartsOneRunPerScheduleWithResume() throws Exception {
        Manifest cronJob = one("CronJob", "batchscore-hourly");
        JsonNode spec = cronJob.node().path("spec");
        assertThat(spec.path("concurrencyPolicy").asText()).isEqualTo("Forbid");
        JsonNode pod = spec.path("jobTemplate").path("spec").path("template").path("spec");
        String account = pod.path("serviceAccountName").asText();
        assertThat(one("ServiceAccount", account)).isNotNull();
        Manifest binding =
                manifests.stream()
                        .filter(m -> m.kind().equals("RoleBinding"))
                        .filter(
                                m ->
                                        m.node()
                                                .path("subjects")
                                                .findValuesAsText("name")
                                                .contains(account))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no RoleBinding for " + account));
        Manifest role = one("Role", binding.node().path("roleRef").path("name").asText());
        assertThat(role.node().path("rules").toString())
                .contains("flinkdeployments")
                .contains("\"create\"")
                .contains("\"delete\"");
        // The run the CronJob creates: its template, mounted from a ConfigMap, with a resume
        // config.
        JsonNode container = pod.path("containers").get(0);
        assertThat(Manifests.strings(container.path("command"))).containsExactly("/bin/sh", "-c");
        String script = container.path("args").get(0).asText();
        assertThat(script)
                .contains("sed \"s/RUN_NAME/$run/g\" /templates/run.yaml | kubectl create -f -")
                .contains("kubectl delete flinkdeployment \"$run\"");
        // The script at least parses as sh (there is no cluster to run it against here).
        Process check =
                new ProcessBuilder("sh", "-n", "-c", script).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor()).as("sh -n of the CronJob's script: %s", output).isZero();
        Manifest run =
                manifests.stream()
                        .filter(m -> m.origin().contains("data.run.yaml"))
                        .findFirst()
                        .orElseThrow();
        assertThat(run.kind()).isEqualTo("FlinkDeployment");
        assertThat(run.name()).isEqualTo(Manifests.SAMPLE_RUN_NAME);
        JobConfig config = jobConfig(run);
        assertThat(config.toMap())
                .containsEntry("source.kafka.starting-offsets", "resume")
                .containsEntry("pipeline.run-id", Manifests.SAMPLE_RUN_NAME);
    }

    @Test
    void jarUriAndEntryClassAreTheBuiltJobJar() throws Exception {
        Path jar = Manifests.target("pipeline").resolve(JOB_JAR);
        assertThat(jar).as("the job jar (mvn package builds it)").isRegularFile();
        String mainClass;
        try (JarFile jarFile = new JarFile(jar.toFile())) {
            mainClass = jarFile.getManifest().getMainAttributes().getValue("Main-Class");
            assertThat(mainClass).as("Main-Class of %s", jar).isNotBlank();
            assertThat(jarFile.getEntry(mainClass.replace('.', '/') + ".class"))
                    .as("%s in %s", mainClass, jar)
                    .isNotNull();
        }
        List<DockerfileTest.Copy> imageFiles = DockerfileTest.copies();
        int jobs = 0;
        for (Manifest m : manifests) {
            JsonNode job = m.node().path("spec").path("job");
            if (job.isMissingNode()) {
                continue;
            }
            jobs++;
            assertThat(job.path("entryClass").asText()).as("%s entryClass", m).isEqualTo(mainClass);
            String uri = job.path("jarURI").asText();
            if (m.kind().equals("FlinkDeployment")) {
                // Application mode: a path inside the image, where the Dockerfile puts the jar.
                assertThat(uri).as("%s jarURI", m).startsWith("local://");
                String inImage = uri.substring("local://".length());
                assertThat(imageFiles)
                        .as("%s: the Dockerfile copies the job jar to %s", m, inImage)
                        .contains(new DockerfileTest.Copy("pipeline/target/" + JOB_JAR, inImage));
            } else {
                // A FlinkSessionJob: the operator fetches the jar and uploads it.
                assertThat(uri).as("%s jarURI", m).endsWith("/" + JOB_JAR);
            }
        }
        assertThat(jobs).as("manifests with a job").isPositive();
    }

    @Test
    void jobArgsAndTheirConfigMapsParseWithTheJobsOwnParser() throws Exception {
        int parsed = 0;
        for (Manifest m : manifests) {
            if (m.node().path("spec").has("job")) {
                JobConfig config = jobConfig(m);
                assertThat(config.toMap()).as("%s job config", m).containsKey("sink.iceberg.table");
                // A JobManager failover runs main() again: with the run's id it plans the same
                // run and takes its claim over, instead of a new run refused by that claim.
                assertThat(config.toMap()).as("%s job config", m).containsKey("pipeline.run-id");
                String model = config.toMap().get("model.path");
                if (!model.matches("[a-z0-9]+://.*")) {
                    // A path: on a volume every pod of the cluster mounts.
                    JsonNode volume = mountedVolume(m, clusterOf(m), model);
                    String claim = volume.path("persistentVolumeClaim").path("claimName").asText();
                    assertThat(claim).as("%s: model.path %s is on a PVC", m, model).isNotBlank();
                    assertThat(sameNamespace(m, "PersistentVolumeClaim", claim)).isNotNull();
                }
                parsed++;
            }
        }
        assertThat(parsed).isPositive();
    }

    @Test
    void credentialsComeFromTheExampleSecretThroughEnvOnly() throws Exception {
        Manifest example =
                manifests.stream()
                        .filter(m -> m.kind().equals("Secret"))
                        .filter(m -> m.origin().equals("s3-credentials.example.yaml"))
                        .findFirst()
                        .orElseThrow();
        Set<String> keys = new java.util.HashSet<>();
        example.node().path("stringData").fieldNames().forEachRemaining(keys::add);
        example.node().path("data").fieldNames().forEachRemaining(keys::add);
        int references = 0;
        for (Manifest m : manifests) {
            for (JsonNode ref : m.node().findValues("secretKeyRef")) {
                references++;
                assertThat(ref.path("name").asText())
                        .as("%s: Secret of %s", m, ref)
                        .isEqualTo(example.name());
                assertThat(keys).as("%s: key of %s", m, ref).contains(ref.path("key").asText());
            }
            for (JsonNode env : m.node().findValues("env")) {
                for (JsonNode var : env) {
                    if (var.path("name").asText().matches("(?i).*(SECRET|PASSWORD|KEY_ID).*")) {
                        assertThat(var.has("value"))
                                .as("%s: %s is set from a Secret, not written out", m, var)
                                .isFalse();
                    }
                }
            }
            if (m.kind().equals("ConfigMap")) {
                for (Map.Entry<String, JsonNode> data : m.node().path("data").properties()) {
                    if (Manifests.isManifest(data.getValue())) {
                        continue; // checked as the manifest it is
                    }
                    assertThat(data.getValue().asText())
                            .as("%s data.%s holds no credentials", m, data.getKey())
                            .doesNotContainPattern(
                                    "(?i)(access-key|secret-key|secret_access|password|credential|sasl\\.jaas)");
                }
            }
            assertThat(m.node().path("spec").path("job").path("args").toString())
                    .as("%s job args hold no credentials", m)
                    .doesNotContainPattern("(?i)(access-key|secret|password|credential)");
        }
        assertThat(references).as("secretKeyRefs").isPositive();
    }

    @Test
    void flinkDeploymentsLoadTensorFlowAsTheSessionConfigSays() throws Exception {
        Map<String, Object> session =
                Manifests.YAML.readValue(
                        Manifests.repoRoot().resolve("deploy/flink-conf-session.yaml").toFile(),
                        Map.class);
        assertThat(session).isNotEmpty();
        for (Manifest m : manifests) {
            if (!m.kind().equals("FlinkDeployment")) {
                continue;
            }
            JsonNode conf = m.node().path("spec").path("flinkConfiguration");
            session.forEach(
                    (key, value) ->
                            assertThat(conf.path(key).asText())
                                    .as("%s flinkConfiguration %s", m, key)
                                    .isEqualTo(String.valueOf(value)));
            for (String key :
                    List.of(
                            "taskmanager.memory.task.off-heap.size",
                            "taskmanager.memory.jvm-overhead.min",
                            "high-availability.storageDir",
                            "execution.checkpointing.dir",
                            "execution.checkpointing.savepoint-dir")) {
                assertThat(conf.path(key).asText())
                        .as("%s flinkConfiguration %s", m, key)
                        .isNotBlank();
            }
            assertThat(conf.path("high-availability.type").asText()).isEqualTo("kubernetes");
            assertThat(conf.path("execution.checkpointing.dir").asText()).startsWith("s3://");
            assertThat(conf.path("execution.checkpointing.savepoint-dir").asText())
                    .startsWith("s3://");
            assertThat(m.node().path("spec").path("flinkVersion").asText()).isEqualTo("v2_1");
            if (m.node().path("spec").has("job")) {
                assertThat(m.node().path("spec").path("job").path("upgradeMode").asText())
                        .as("%s upgradeMode", m)
                        .isEqualTo("savepoint");
            }
        }
    }

    @Test
    void theResumeOverlayRestoresASavepoint() throws Exception {
        List<Manifest> resume = Manifests.render(Manifests.k8sDir().resolve("overlays/resume"));
        JsonNode job =
                resume.stream()
                        .filter(m -> m.kind().equals("FlinkDeployment"))
                        .findFirst()
                        .orElseThrow()
                        .node()
                        .path("spec")
                        .path("job");
        assertThat(job.path("initialSavepointPath").asText()).startsWith("s3://");
        assertThat(job.path("savepointRedeployNonce").asInt()).isPositive();
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The job config of a manifest with a job, parsed as its main does: the job's args, with {@code
     * --config} pointing at the ConfigMap key that the pod where main runs (the FlinkDeployment
     * itself, or a FlinkSessionJob's session cluster) mounts at that path.
     */
    private static JobConfig jobConfig(Manifest m) throws IOException {
        List<String> args = Manifests.strings(m.node().path("spec").path("job").path("args"));
        int config = args.indexOf("--config");
        assertThat(config).as("%s job args %s pass --config", m, args).isNotNegative();
        String path = args.get(config + 1);
        String yaml = mountedConfigMapFile(m, clusterOf(m), path);
        Path file = Files.createTempFile(scratch, "job", ".yaml");
        Files.writeString(file, yaml);
        args.set(config + 1, file.toString());
        try {
            return JobConfig.fromArgs(args.toArray(new String[0]));
        } catch (RuntimeException e) {
            throw new AssertionError(m + ": its job config does not parse: " + e.getMessage(), e);
        }
    }

    /** Where main runs: the FlinkDeployment itself, or a FlinkSessionJob's session cluster. */
    private static Manifest clusterOf(Manifest m) {
        return m.kind().equals("FlinkSessionJob")
                ? sameNamespace(
                        m, "FlinkDeployment", m.node().path("spec").path("deploymentName").asText())
                : m;
    }

    /** The content of the ConfigMap key that {@code cluster}'s Flink container mounts at path. */
    private static String mountedConfigMapFile(Manifest m, Manifest cluster, String path) {
        JsonNode volume = mountedVolume(m, cluster, path);
        assertThat(volume.has("configMap")).as("%s: %s is on a ConfigMap volume", m, path).isTrue();
        Manifest configMap =
                sameNamespace(cluster, "ConfigMap", volume.path("configMap").path("name").asText());
        String key = Path.of(path).getFileName().toString();
        JsonNode value = configMap.node().path("data").path(key);
        assertThat(value.isTextual()).as("%s: %s holds %s", m, configMap, key).isTrue();
        return value.asText();
    }

    /** The volume that {@code cluster}'s Flink container mounts where {@code path} is. */
    private static JsonNode mountedVolume(Manifest m, Manifest cluster, String path) {
        JsonNode pod = cluster.node().path("spec").path("podTemplate").path("spec");
        JsonNode container = null;
        for (JsonNode c : pod.path("containers")) {
            if (c.path("name").asText().equals(FLINK_CONTAINER)) {
                container = c;
            }
        }
        assertThat(container)
                .as("%s: pod template container %s", cluster, FLINK_CONTAINER)
                .isNotNull();
        for (JsonNode mount : container.path("volumeMounts")) {
            if (path.startsWith(mount.path("mountPath").asText() + "/")) {
                for (JsonNode volume : pod.path("volumes")) {
                    if (volume.path("name").equals(mount.path("name"))) {
                        return volume;
                    }
                }
            }
        }
        throw new AssertionError(m + ": " + path + " is on no volume mounted in " + cluster);
    }

    /**
     * The resource of {@code kind} and {@code name} that ships with {@code m}: from the same
     * kustomization's output, or a file of the same directory.
     */
    private static Manifest sameNamespace(Manifest m, String kind, String name) {
        List<Manifest> candidates =
                manifests.stream()
                        .filter(c -> c.kind().equals(kind) && c.name().equals(name))
                        .toList();
        assertThat(candidates).as("%s refers to %s %s", m, kind, name).isNotEmpty();
        // The same kustomization's output, else a file of the same directory.
        Optional<Manifest> same =
                candidates.stream().filter(c -> c.origin().equals(m.origin())).findFirst();
        Path file = Path.of(m.origin().split(" ")[0]);
        String dir = file.getParent() == null ? "" : file.getParent() + "/";
        Optional<Manifest> near =
                candidates.stream()
                        .filter(c -> !c.origin().startsWith("kubectl "))
                        .filter(c -> c.origin().startsWith(dir))
                        .findFirst();
        return same.or(() -> near)
                .orElseThrow(
                        () ->
                                new AssertionError(
                                        m
                                                + " refers to "
                                                + kind
                                                + " "
                                                + name
                                                + ", which does not ship with it"));
    }

    private static Manifest one(String kind, String name) {
        return manifests.stream()
                .filter(m -> m.kind().equals(kind) && m.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    /**
     * Reads {@code node} as the fabric8 model class: a field of the wrong type fails, and a field
     * the model does not know, which fabric8 keeps in its {@code additionalProperties} instead of
     * failing on, is reported with its path.
     */
    private static List<String> strictBuiltIn(Manifest m, JsonNode node, Class<?> type) {
        List<String> errors = new ArrayList<>();
        try {
            Object model =
                    type == ObjectMetaHolder.class
                            ? STRICT.treeToValue(
                                            STRICT.createObjectNode()
                                                    .set("metadata", node.deepCopy()),
                                            ObjectMetaHolder.class)
                                    .metadata
                            : STRICT.treeToValue(node, type);
            unknownFields(model, type.getSimpleName(), errors, new IdentityHashMap<>());
        } catch (Exception e) {
            errors.add(m + ": " + e.getMessage());
        }
        return errors.stream().map(e -> e.startsWith(m.toString()) ? e : m + ": " + e).toList();
    }

    /** For CRDs, whose schema says only {@code metadata: object}: the ObjectMeta model. */
    static final class ObjectMetaHolder {
        public io.fabric8.kubernetes.api.model.ObjectMeta metadata;
    }

    private static void unknownFields(
            Object model, String path, List<String> errors, Map<Object, Boolean> seen)
            throws Exception {
        if (model == null || seen.put(model, true) != null) {
            return;
        }
        if (model instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                unknownFields(list.get(i), path + "[" + i + "]", errors, seen);
            }
            return;
        }
        if (model instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), errors, seen);
            }
            return;
        }
        if (!model.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : model.getClass().getMethods()) {
            if (getter.getParameterCount() != 0
                    || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value = getter.invoke(model);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    errors.add(path + " has unknown field(s) " + extra.keySet());
                }
                continue;
            }
            String field =
                    Character.toLowerCase(getter.getName().charAt(3))
                            + getter.getName().substring(4);
            unknownFields(value, path + "." + field, errors, seen);
        }
    }

    /**
     * Each CRD's {@code openAPIV3Schema} (version v1beta1), strict as {@code kubectl apply
     * --validate=strict}: an object schema that lists its properties and neither allows others nor
     * preserves unknown fields gets {@code additionalProperties: false}, since the API server would
     * drop such a field (a misspelt key would silently do nothing).
     */
    private static Map<String, JsonSchema> crdSchemas() throws IOException {
        Path dir =
                Path.of(System.getProperty("batchscore.shared.dir", "../shared"))
                        .resolve("fixtures/flink-operator-crds-1.15.0");
        assertThat(dir).as("the operator CRDs (../shared/fixtures)").isDirectory();
        Map<String, JsonSchema> schemas = new HashMap<>();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);
        try (var files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                JsonNode crd = Manifests.YAML.readTree(file.toFile());
                String kind = crd.path("spec").path("names").path("kind").asText();
                for (JsonNode version : crd.path("spec").path("versions")) {
                    if (version.path("name").asText().equals("v1beta1")) {
                        ObjectNode schema =
                                version.path("schema").path("openAPIV3Schema").deepCopy();
                        // What every object has, which CRD schemas leave out (metadata is
                        // checked against the ObjectMeta model).
                        ObjectNode root = (ObjectNode) schema.path("properties");
                        root.putObject("apiVersion").put("type", "string");
                        root.putObject("kind").put("type", "string");
                        root.putObject("metadata").put("type", "object");
                        closeObjects(schema);
                        schemas.put(kind, factory.getSchema(schema));
                    }
                }
            }
        }
        assertThat(schemas).containsKeys("FlinkDeployment", "FlinkSessionJob");
        return schemas;
    }

    private static void closeObjects(JsonNode schema) {
        if (schema.isObject()) {
            ObjectNode object = (ObjectNode) schema;
            if (object.has("properties")
                    && !object.has("additionalProperties")
                    && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
                object.put("additionalProperties", false);
            }
        }
        for (JsonNode child : schema) {
            closeObjects(child);
        }
    }
}
