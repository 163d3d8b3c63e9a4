package dev.batchscore.models.internal;

import dev.batchscore.models.ModelException;
import org.tensorflow.TensorFlow;

/**
 * Refuses to load TensorFlow's native library from a second class loader in one JVM.
 *
 * <p>On a Flink session cluster every job gets its own user-code class loader. When TensorFlow
 * comes in the job jar, a second job on the same TaskManager loads a second copy of the native
 * library, whose protobuf registry collides with the first's and aborts the whole process ({@code
 * libprotobuf FATAL ... File already exists in database}) - with every other job's tasks on it.
 * {@link #claim} turns that into a failed task with a message that says the fix. The owner is
 * recorded in a system property because those are shared by all class loaders of the JVM.
 */
public final class NativeLibraryGuard {
    static final String OWNER_PROPERTY = "batchscore.tensorflow.class-loader";

    private NativeLibraryGuard() {}

    /** Call before anything that loads TensorFlow's native library. */
    public static void claim() {
        // A class literal does not initialise the class, so this loads no native code.
        ClassLoader loader = TensorFlow.class.getClassLoader();
        String me =
                loader == null
                        ? "bootstrap"
                        : loader.getClass().getName()
                                + "@"
                                + Integer.toHexString(System.identityHashCode(loader));
        Object owner = System.getProperties().putIfAbsent(OWNER_PROPERTY, me);
        if (owner != null && !owner.equals(me)) {
            throw new ModelException(
                    "TensorFlow's native library is already loaded in this JVM by another"
                            + " class loader ("
                            + owner
                            + ", another job's jar?) and a second copy would abort the"
                            + " process: on a Flink session cluster copy deploy/target/flink-lib/* into"
                            + " Flink's lib/ and append deploy/flink-conf-session.yaml (classloader"
                            + ".parent-first-patterns.additional: org.tensorflow.;org.bytedeco.;"
                            + "com.google.protobuf.) to its conf/config.yaml (see README), or run each"
                            + " job in its own cluster (application mode)");
        }
    }
}
