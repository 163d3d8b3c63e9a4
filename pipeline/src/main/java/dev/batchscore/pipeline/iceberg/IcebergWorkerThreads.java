package dev.batchscore.pipeline.iceberg;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.util.ThreadPools;

/**
 * Starts every thread of Iceberg's JVM-wide worker pool up front, from a thread whose context class
 * loader is the application's.
 *
 * <p>The pool creates its threads lazily, and a new thread inherits the context class loader of the
 * thread that created it. In a JVM that runs jobs on an embedded MiniCluster with Iceberg on the
 * application class path (./batchscore run, the demo, the ITs), that is often a job's user-code
 * class loader, which Flink closes when the job ends: a later S3 read on that worker (the AWS SDK's
 * HTTP client looks up commons-logging resources through the context class loader) fails with
 * "Trying to access closed classloader". A cluster is not affected: the job jar carries its own
 * Iceberg, and with it its own pool.
 */
public final class IcebergWorkerThreads {
    private static boolean started;

    private IcebergWorkerThreads() {}

    /** Starts the pool's threads once per JVM; call before the first job runs. */
    public static synchronized void startAll() {
        if (started) {
            return;
        }
        started = true;
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(IcebergWorkerThreads.class.getClassLoader());
        int threads = ThreadPools.WORKER_THREAD_POOL_SIZE;
        CountDownLatch running = new CountDownLatch(threads);
        CountDownLatch release = new CountDownLatch(1);
        try {
            ExecutorService pool = ThreadPools.getWorkerPool();
            // Below its core size the pool starts a new thread for every task: one task each,
            // held until all run, so every core thread exists and was created here.
            for (int i = 0; i < threads; i++) {
                pool.execute(
                        () -> {
                            running.countDown();
                            try {
                                release.await(30, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
            }
            running.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            release.countDown();
            current.setContextClassLoader(previous);
        }
    }
}
