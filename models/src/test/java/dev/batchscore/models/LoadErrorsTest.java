package dev.batchscore.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;

/**
 * Every reason a model cannot be loaded or a signature cannot be used, and its one-line message.
 */
class LoadErrorsTest {
    @TempDir Path tmp;

    private Path plusOne() throws Exception {
        return TinyModel.plusOne(tmp.resolve("plus_one"));
    }

    @Test
    void missingDirectory() {
        Path missing = tmp.resolve("nope");
        assertThatThrownBy(() -> ModelRegistry.acquire(missing, ModelOptions.defaults()))
                .isInstanceOf(ModelException.class)
                .hasMessage(
                        "model directory "
                                + missing
                                + " does not exist; pass a directory holding saved_model.pb"
                                + " or a TensorFlow Serving base directory with numeric version subdirectories");
    }

    @Test
    void directoryWithoutSavedModelSaysWhatItFound() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        Files.createDirectories(dir.resolve("variables"));
        Files.writeString(dir.resolve("notes.txt"), "x");
        assertThatThrownBy(() -> ModelRegistry.acquire(dir, ModelOptions.defaults()))
                .isInstanceOf(ModelException.class)
                .hasMessageStartingWith(
                        "no saved_model.pb in "
                                + dir.toRealPath()
                                + " and no numeric version subdirectory holding one (found: notes.txt, variables/)")
                .hasMessageNotContaining("\n");
    }

    @Test
    void pathToTheSavedModelFileNamesItsDirectory() throws Exception {
        Path pb = plusOne().resolve("saved_model.pb");
        assertThatThrownBy(() -> ModelRegistry.acquire(pb, ModelOptions.defaults()))
                .isInstanceOf(ModelException.class)
                .hasMessage(
                        "model path "
                                + pb
                                + " is a file, not a directory; pass the directory that holds"
                                + " saved_model.pb ("
                                + pb.getParent()
                                + ")");
    }

    @Test
    void tagSetNotFoundListsTheTagSetsFound() throws Exception {
        Path dir = plusOne();
        assertThatThrownBy(
                        () ->
                                ModelRegistry.acquire(
                                        dir,
                                        ModelOptions.defaults().withTags(Set.of("serve", "gpu"))))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("tag set [gpu, serve] not found in ")
                .hasMessageContaining("tag sets found: [serve]");
    }

    @Test
    void signatureNotFoundListsTheSignaturesFound() throws Exception {
        try (SavedModel model = ModelRegistry.acquire(plusOne(), ModelOptions.defaults())) {
            assertThatThrownBy(() -> model.scorer("predict"))
                    .isInstanceOf(ModelException.class)
                    .hasMessageStartingWith("signature 'predict' not found in ")
                    .hasMessageContaining("signatures found: serving_default");
        }
    }

    @Test
    void tensorRtModelIsExplained() throws Exception {
        Path dir = tmp.resolve("trt");
        writeGraphWithOp(dir, "TRTEngineOp");
        int loaded = ModelRegistry.loadedCount();
        assertThatThrownBy(() -> ModelRegistry.acquire(dir, ModelOptions.defaults()))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(
                        "uses op TRTEngineOp: it is a TensorRT-converted (TF-TRT) model")
                .hasMessageContaining("TensorFlow Java builds have no TensorRT")
                .hasMessageContaining("re-export the model without TF-TRT");
        assertThat(ModelRegistry.loadedCount()).isEqualTo(loaded);
    }

    @Test
    void otherUnregisteredOpIsNamed() throws Exception {
        Path dir = tmp.resolve("custom");
        writeGraphWithOp(dir, "MyCustomScoringOp");
        assertThatThrownBy(() -> ModelRegistry.acquire(dir, ModelOptions.defaults()))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(
                        "uses op [MyCustomScoringOp] not registered in this TensorFlow build");
    }

    @Test
    void inconsistentSignatureIsRefusedWhileTheOthersScore() throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("inconsistent"),
                        (m, tf) -> {
                            var x = m.input("x", TFloat32.class, -1);
                            m.output("y", tf.math.add(x, tf.constant(1f)));
                            m.rawInput(
                                    "bad",
                                    "x",
                                    TensorInfo.newBuilder()
                                            .setName("x:0")
                                            .setDtype(DataType.DT_STRING)
                                            .build());
                            m.output("bad", "y", tf.identity(x));
                        });
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            assertThat(
                            model.scorer("serving_default")
                                    .score(java.util.List.of(java.util.Map.of("x", 1)))
                                    .outputs(0))
                    .containsEntry("y", 2f);
            assertThatThrownBy(() -> model.scorer("bad"))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining(
                            "signature 'bad' is inconsistent with its graph: input 'x' declares"
                                    + " DT_STRING but tensor x:0 is DT_FLOAT")
                    .hasMessageEndingWith(
                            "usable signatures of " + dir.toRealPath() + ": serving_default");
        }
    }

    @Test
    void signatureWithoutInputsIsRefused() throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("constant"), (m, tf) -> m.output("y", tf.constant(42f)));
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            assertThat(model.describe().signatures().get(0).inputs()).isEmpty();
            assertThatThrownBy(() -> model.scorer("serving_default"))
                    .isInstanceOf(ModelException.class)
                    .hasMessageStartingWith(
                            "signature 'serving_default' has no inputs, so no record can be fed to it")
                    .hasMessageEndingWith("usable signatures of " + dir.toRealPath() + ": none");
        }
    }

    /**
     * A hand-written SavedModel whose graph holds one node of an op TensorFlow Java does not have.
     */
    private static void writeGraphWithOp(Path dir, String op) throws Exception {
        GraphDef graph =
                GraphDef.newBuilder()
                        .addNode(
                                NodeDef.newBuilder()
                                        .setName("input")
                                        .setOp("Placeholder")
                                        .putAttr(
                                                "dtype",
                                                AttrValue.newBuilder()
                                                        .setType(DataType.DT_FLOAT)
                                                        .build()))
                        .addNode(NodeDef.newBuilder().setName("engine").setOp(op).addInput("input"))
                        .build();
        TinyModel.writeSavedModel(
                dir,
                MetaGraphDef.newBuilder()
                        .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve"))
                        .setGraphDef(graph)
                        .putSignatureDef(
                                "serving_default",
                                SignatureDef.newBuilder()
                                        .putInputs(
                                                "x",
                                                TensorInfo.newBuilder()
                                                        .setName("input:0")
                                                        .setDtype(DataType.DT_FLOAT)
                                                        .build())
                                        .putOutputs(
                                                "y",
                                                TensorInfo.newBuilder()
                                                        .setName("engine:0")
                                                        .setDtype(DataType.DT_FLOAT)
                                                        .build())
                                        .build())
                        .build());
    }
}
