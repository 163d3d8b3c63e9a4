package dev.batchscore.pipeline.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicSource;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.catalog.Catalog;
import org.apache.flink.table.catalog.ResolvedCatalogTable;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModuleFactory;
import org.apache.flink.table.module.Module;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * The {@code batchscore} table module: bounded Kafka SQL tables ({@code scan.bounded.mode}) that
 * finish after a stop-with-savepoint and resume, as the DataStream job's source does ({@link
 * BoundedRestoreTableSource}; FLINK-33466), and Kafka tables read as the DataStream job reads: with
 * {@code read_committed} unless the table sets {@code 'properties.isolation.level'}, a bounded
 * {@code latest-offset} table up to the last stable offsets. {@code ./batchscore sql} loads it; in
 * Flink's SQL client, with the job jar on the class path: {@code LOAD MODULE batchscore;}.
 *
 * <p>How: the planner takes a table's source factory from its catalog if the catalog has one, else
 * from the loaded modules, else by the {@code 'connector'} option. This module's factory finds the
 * table's real factory by {@code 'connector'} (as the planner would) and wraps the Kafka
 * connector's sources (made again with the read_committed default if the table has no isolation
 * level); every other source is the connector's own, untouched.
 *
 * <pre>{@code
 * BatchscoreModule.load(tableEnv);
 * }</pre>
 */
public final class BatchscoreModule implements Module {
    /** The name the module is loaded under, and its {@code LOAD MODULE} identifier. */
    public static final String NAME = "batchscore";

    /** A Kafka table's options that are Kafka client properties (the connector's prefix). */
    private static final String PROPERTIES_PREFIX = "properties.";

    /** A Kafka table's isolation level; read_committed unless the table sets it. */
    private static final String ISOLATION_LEVEL =
            PROPERTIES_PREFIX + ConsumerConfig.ISOLATION_LEVEL_CONFIG;

    private static final String READ_COMMITTED = "read_committed";

    private final Function<String, Optional<Catalog>> catalogs;

    /**
     * @param catalogs the session's catalogs by name; a table without a {@code 'connector'} option
     *     (e.g. an Iceberg catalog's) is read through its catalog's factory. The planner consults
     *     the catalog first itself, except when it rebuilds a source (a reused scan, a compiled
     *     plan).
     */
    BatchscoreModule(Function<String, Optional<Catalog>> catalogs) {
        this.catalogs = catalogs;
    }

    /** Loads the module into {@code tEnv}, after the modules already loaded. */
    public static void load(TableEnvironment tEnv) {
        tEnv.loadModule(NAME, new BatchscoreModule(tEnv::getCatalog));
    }

    @Override
    public Optional<DynamicTableSourceFactory> getTableSourceFactory() {
        return Optional.of(new SourceFactory(catalogs));
    }

    /** Delegates to the table's own factory; wraps the Kafka connector's table sources. */
    private static final class SourceFactory extends NamedFactory
            implements DynamicTableSourceFactory {
        private final Function<String, Optional<Catalog>> catalogs;

        SourceFactory(Function<String, Optional<Catalog>> catalogs) {
            this.catalogs = catalogs;
        }

        @Override
        public DynamicTableSource createDynamicTableSource(Context context) {
            DynamicTableSourceFactory own = null;
            ResolvedCatalogTable table = context.getCatalogTable();
            if (!table.getOptions().containsKey(FactoryUtil.CONNECTOR.key())) {
                own =
                        catalogs.apply(context.getObjectIdentifier().getCatalogName())
                                .flatMap(Catalog::getFactory)
                                .filter(f -> f instanceof DynamicTableSourceFactory)
                                .map(f -> (DynamicTableSourceFactory) f)
                                .orElse(null);
            }
            DynamicTableSource source = create(own, table, context);
            if (!(source instanceof KafkaDynamicSource)) {
                return source;
            }
            // Kafka's default, read_uncommitted, would score the records of aborted transactions.
            if (!table.getOptions().containsKey(ISOLATION_LEVEL)) {
                Map<String, String> options = new HashMap<>(table.getOptions());
                options.put(ISOLATION_LEVEL, READ_COMMITTED);
                table = table.copy(options);
                source = create(own, table, context);
            }
            return new BoundedRestoreTableSource(
                    (KafkaDynamicSource) source, clientProperties(table.getOptions()));
        }

        /** The Kafka client properties of a table: its {@code properties.*} options. */
        private static Properties clientProperties(Map<String, String> options) {
            Properties props = new Properties();
            options.forEach(
                    (key, value) -> {
                        if (key.startsWith(PROPERTIES_PREFIX)) {
                            props.put(key.substring(PROPERTIES_PREFIX.length()), value);
                        }
                    });
            return props;
        }

        /** The source {@code own} (or the factory the table's {@code 'connector'} names) makes. */
        private static DynamicTableSource create(
                DynamicTableSourceFactory own, ResolvedCatalogTable table, Context context) {
            return FactoryUtil.createDynamicTableSource(
                    own,
                    context.getObjectIdentifier(),
                    table,
                    context.getEnrichmentOptions(),
                    context.getConfiguration(),
                    context.getClassLoader(),
                    context.isTemporary());
        }
    }

    /** Creates the module for {@code LOAD MODULE batchscore} (registered as a Flink factory). */
    public static final class Factory extends NamedFactory implements ModuleFactory {
        @Override
        public Module createModule(Context context) {
            // No catalogs here: the planner reads a catalog's own tables through its factory.
            return new BatchscoreModule(name -> Optional.empty());
        }
    }

    /** The module's factories: named {@value #NAME}, without options of their own. */
    private abstract static class NamedFactory implements org.apache.flink.table.factories.Factory {
        @Override
        public String factoryIdentifier() {
            return NAME;
        }

        @Override
        public Set<ConfigOption<?>> requiredOptions() {
            return Set.of();
        }

        @Override
        public Set<ConfigOption<?>> optionalOptions() {
            return Set.of();
        }
    }
}
