package dev.batchscore.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Kubernetes manifests under {@code deploy/k8s/} as JSON trees: every document of every file,
 * the manifests embedded in ConfigMaps (the scheduled run's FlinkDeployment template), and what
 * {@code kubectl apply -k} applies for each kustomization, rendered here by the small subset of
 * kustomize the manifests use ({@link #render}).
 */
final class Manifests {
    static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory());

    /** The kustomization fields {@link #render} implements; any other field fails the test. */
    static final Set<String> KUSTOMIZATION_FIELDS =
            Set.of("apiVersion", "kind", "resources", "namespace", "patches");

    /** What the CronJob puts in place of {@code RUN_NAME} in its run template. */
    static final String SAMPLE_RUN_NAME = "batchscore-hourly-202612011300";

    private Manifests() {}

    /** A manifest and where it came from, for messages. */
    record Manifest(String origin, JsonNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }

        @Override
        public String toString() {
            return kind() + " " + name() + " (" + origin + ")";
        }
    }

    /** The repository's root: the deploy module's parent. */
    static Path repoRoot() {
        Path basedir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return basedir.toAbsolutePath().getParent();
    }

    static Path k8sDir() {
        return repoRoot().resolve("deploy/k8s");
    }

    /** {@code <module>/target<build.suffix>}, where this build writes the module's output. */
    static Path target(String module) {
        return repoRoot()
                .resolve(module)
                .resolve("target" + System.getProperty("build.suffix", ""));
    }

    /** Every YAML file under deploy/k8s. */
    static List<Path> files() throws IOException {
        try (Stream<Path> files = Files.walk(k8sDir())) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    /** The documents of {@code file}. */
    static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    /**
     * Every Kubernetes object of every file (not the kustomizations), with those embedded in a
     * ConfigMap's data ({@code RUN_NAME} replaced as the CronJob does).
     */
    static List<Manifest> all() throws IOException {
        List<Manifest> all = new ArrayList<>();
        Set<Path> patches = patches();
        for (Path file : files()) {
            if (patches.contains(file)) {
                continue; // a partial resource: checked merged into what it patches (render)
            }
            String origin = k8sDir().relativize(file).toString();
            for (JsonNode doc : documents(file)) {
                if (!doc.path("kind").asText().equals("Kustomization")) {
                    all.add(new Manifest(origin, doc));
                    all.addAll(embedded(new Manifest(origin, doc)));
                }
            }
        }
        return all;
    }

    /** The patch files the kustomizations name. */
    static Set<Path> patches() throws IOException {
        Set<Path> patches = new java.util.HashSet<>();
        for (Path dir : kustomizations()) {
            JsonNode kustomization = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
            for (JsonNode patch : kustomization.path("patches")) {
                patches.add(dir.resolve(patch.path("path").asText()).normalize());
            }
        }
        return patches;
    }

    /** Whether a ConfigMap data value is a Kubernetes manifest (YAML with apiVersion and kind). */
    static boolean isManifest(JsonNode dataValue) {
        try {
            JsonNode value = YAML.readTree(dataValue.asText());
            return value != null && value.has("apiVersion") && value.has("kind");
        } catch (IOException notYamlOfAnObject) {
            return false;
        }
    }

    /** The manifests held in a ConfigMap's data values, as the CronJob applies them. */
    static List<Manifest> embedded(Manifest configMap) throws IOException {
        List<Manifest> embedded = new ArrayList<>();
        if (!configMap.kind().equals("ConfigMap")) {
            return embedded;
        }
        for (Map.Entry<String, JsonNode> entry : configMap.node().path("data").properties()) {
            JsonNode value =
                    YAML.readTree(entry.getValue().asText().replace("RUN_NAME", SAMPLE_RUN_NAME));
            if (value != null && value.has("apiVersion") && value.has("kind")) {
                embedded.add(
                        new Manifest(
                                configMap.origin() + " data." + entry.getKey(), value.deepCopy()));
            }
        }
        return embedded;
    }

    /** The kustomization directories under deploy/k8s. */
    static List<Path> kustomizations() throws IOException {
        return files().stream()
                .filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
                .map(Path::getParent)
                .toList();
    }

    /**
     * What {@code kubectl apply -k dir} applies, for the fields in {@link #KUSTOMIZATION_FIELDS}:
     * the resources (files, or directories with their own kustomization), each patch merged into
     * the one resource of its apiVersion, kind and name (JSON merge patch, which is kustomize's
     * strategic merge for custom resources, whose lists it replaces; a patch of a built-in kind
     * must hold no list, whose merge would differ), then the namespace on every resource and on
     * RoleBinding subjects that are ServiceAccounts.
     */
    static List<Manifest> render(Path dir) throws IOException {
        JsonNode kustomization = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        for (Iterator<String> it = kustomization.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!KUSTOMIZATION_FIELDS.contains(field)) {
                throw new IllegalStateException(
                        dir
                                + "/kustomization.yaml uses '"
                                + field
                                + "', which Manifests.render does not implement: add it there"
                                + " or use "
                                + KUSTOMIZATION_FIELDS);
            }
        }
        List<Manifest> out = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            Path path = dir.resolve(resource.asText()).normalize();
            if (Files.isDirectory(path)) {
                out.addAll(render(path));
            } else {
                String origin = k8sDir().relativize(path).toString();
                for (JsonNode doc : documents(path)) {
                    out.add(new Manifest(origin, doc));
                }
            }
        }
        for (JsonNode patch : kustomization.path("patches")) {
            if (patch.size() != 1 || !patch.has("path")) {
                throw new IllegalStateException(
                        dir + "/kustomization.yaml: a patch is {path: FILE} here, got " + patch);
            }
            for (JsonNode doc : documents(dir.resolve(patch.path("path").asText()))) {
                applyPatch(out, doc, dir + "/" + patch.path("path").asText());
            }
        }
        String namespace = kustomization.path("namespace").asText("");
        if (!namespace.isEmpty()) {
            for (Manifest m : out) {
                ((ObjectNode) m.node().path("metadata")).put("namespace", namespace);
                if (m.kind().equals("RoleBinding")) {
                    for (JsonNode subject : m.node().path("subjects")) {
                        if (subject.path("kind").asText().equals("ServiceAccount")) {
                            ((ObjectNode) subject).put("namespace", namespace);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void applyPatch(List<Manifest> resources, JsonNode patch, String origin) {
        List<Manifest> targets =
                resources.stream()
                        .filter(r -> r.node().path("apiVersion").equals(patch.path("apiVersion")))
                        .filter(r -> r.kind().equals(patch.path("kind").asText()))
                        .filter(r -> r.name().equals(patch.path("metadata").path("name").asText()))
                        .toList();
        if (targets.size() != 1) {
            throw new IllegalStateException(
                    origin + " patches " + targets.size() + " resources, not one: " + patch);
        }
        boolean custom = patch.path("apiVersion").asText().contains(".") && !builtIn(patch);
        if (!custom && hasList(patch)) {
            throw new IllegalStateException(
                    origin
                            + " patches a list of a built-in kind, which kustomize merges by key:"
                            + " Manifests.render does not");
        }
        merge((ObjectNode) targets.get(0).node(), patch);
    }

    private static boolean builtIn(JsonNode node) {
        String apiVersion = node.path("apiVersion").asText();
        return !apiVersion.contains("/")
                || apiVersion.endsWith(".k8s.io/v1")
                || apiVersion.startsWith("batch/")
                || apiVersion.startsWith("apps/");
    }

    private static boolean hasList(JsonNode node) {
        if (node.isArray()) {
            return true;
        }
        for (JsonNode child : node) {
            if (hasList(child)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 7386 JSON merge patch of {@code patch} into {@code target}. */
    static void merge(ObjectNode target, JsonNode patch) {
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            JsonNode value = field.getValue();
            JsonNode existing = target.get(field.getKey());
            if (value.isNull()) {
                target.remove(field.getKey());
            } else if (value.isObject() && existing != null && existing.isObject()) {
                merge((ObjectNode) existing, value);
            } else {
                target.set(field.getKey(), value.deepCopy());
            }
        }
    }

    /** The strings of a JSON array. */
    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode item : array) {
            out.add(item.asText());
        }
        return out;
    }
}
