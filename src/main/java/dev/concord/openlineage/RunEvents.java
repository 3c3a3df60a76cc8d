package dev.concord.openlineage;

import dev.concord.schema.Table;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineage.RunEvent.EventType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;

/**
 * The OpenLineage run events of one run, as values: which files went in, which tables came out, with their
 * schemas from {@code schemas/}. Dataset-level only; {@code lineage/} holds the record-level lineage.
 */
public final class RunEvents {
  static final String JOB_NAME = "concord";
  /** Namespace of datasets on a file system, as OpenLineage's naming conventions have it for local paths. */
  static final String FILE_NAMESPACE = "file";

  private final OpenLineage ol;
  private final Description run;

  /**
   * What the events describe.
   *
   * @param namespace the job's namespace
   * @param runId Concord's run id; the OpenLineage run id is derived from it and the output root, so that a resumed
   *     run continues the same OpenLineage run
   * @param root the output root
   * @param inputs the paths given as {@code --input}; likewise {@code gold} and {@code evalPrompts}
   */
  public record Description(String namespace, String runId, Path root, List<Path> inputs, List<Path> gold,
      List<Path> evalPrompts) {
    public Description {
      root = root.toAbsolutePath().normalize();
      inputs = List.copyOf(inputs);
      gold = List.copyOf(gold);
      evalPrompts = List.copyOf(evalPrompts);
    }

    public UUID openLineageRunId() {
      return UUID.nameUUIDFromBytes((root + "\u0000" + runId).getBytes(StandardCharsets.UTF_8));
    }

    Path versionDir() {
      return root.resolve(runId);
    }
  }

  public RunEvents(Description run) {
    String version = RunEvents.class.getPackage().getImplementationVersion();
    this.ol = new OpenLineage(URI.create("urn:concord:" + (version == null ? "dev" : version)));
    this.run = run;
  }

  public OpenLineage.RunEvent start(ZonedDateTime at) {
    return event(EventType.START, at, runFacets().build(), outputs(Map.of()));
  }

  /** @param rows rows per published table, from the manifest */
  public OpenLineage.RunEvent complete(ZonedDateTime at, Map<String, Long> rows) {
    return event(EventType.COMPLETE, at, runFacets().build(), outputs(rows));
  }

  public OpenLineage.RunEvent fail(ZonedDateTime at, Throwable error) {
    StringWriter trace = new StringWriter();
    error.printStackTrace(new PrintWriter(trace));
    String message = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
    return event(EventType.FAIL, at,
        runFacets().errorMessage(ol.newErrorMessageRunFacet(message, "Java", trace.toString())).build(),
        outputs(Map.of()));
  }

  private OpenLineage.RunEvent event(EventType type, ZonedDateTime at, OpenLineage.RunFacets facets,
      List<OpenLineage.OutputDataset> outputs) {
    return ol.newRunEventBuilder()
        .eventType(type)
        .eventTime(at)
        .run(ol.newRun(run.openLineageRunId(), facets))
        .job(ol.newJobBuilder().namespace(run.namespace()).name(JOB_NAME).facets(ol.newJobFacetsBuilder()
            .jobType(ol.newJobTypeJobFacet("BATCH", "CONCORD", "JOB", null))
            .documentation(ol.newDocumentationJobFacet("Concord's nightly job: raw annotation submissions to"
                + " agreement-filtered, resolved and deduplicated preference, SFT and label tables.", null))
            .build()).build())
        .inputs(inputs())
        .outputs(outputs)
        .build();
  }

  private OpenLineage.RunFacetsBuilder runFacets() {
    OpenLineage.RunFacet concordRun = ol.newRunFacet();
    concordRun.getAdditionalProperties().put("runId", run.runId());
    concordRun.getAdditionalProperties().put("versionDir", run.versionDir().toString());
    return ol.newRunFacetsBuilder()
        .processing_engine(ol.newProcessingEngineRunFacet(org.apache.spark.package$.MODULE$.SPARK_VERSION(), "spark",
            null))
        .put("concord_run", concordRun);
  }

  private List<OpenLineage.InputDataset> inputs() {
    List<OpenLineage.InputDataset> out = new ArrayList<>();
    run.inputs().forEach(p -> out.add(input(p, Table.SUBMISSION.avroSchema())));
    run.gold().forEach(p -> out.add(input(p, Table.GOLD.avroSchema())));
    run.evalPrompts().forEach(p -> out.add(input(p, null)));
    return out;
  }

  private OpenLineage.InputDataset input(Path path, Schema schema) {
    OpenLineage.DatasetFacetsBuilder facets = ol.newDatasetFacetsBuilder();
    if (schema != null) {
      facets.schema(ol.newSchemaDatasetFacet(fields(schema)));
    }
    return ol.newInputDatasetBuilder().namespace(FILE_NAMESPACE)
        .name(path.toAbsolutePath().normalize().toString()).facets(facets.build()).build();
  }

  /** Every published table of this run's version, with its schema, its version (the run id) and, once known, rows. */
  private List<OpenLineage.OutputDataset> outputs(Map<String, Long> rows) {
    return Arrays.stream(Table.values()).filter(Table::published).map(t -> {
      OpenLineage.OutputDatasetBuilder b = ol.newOutputDatasetBuilder().namespace(FILE_NAMESPACE)
          .name(run.versionDir().resolve(t.folder()).toString())
          .facets(ol.newDatasetFacetsBuilder()
              .schema(ol.newSchemaDatasetFacet(fields(t.avroSchema())))
              .version(ol.newDatasetVersionDatasetFacet(run.runId()))
              .build());
      Long count = rows.get(t.folder());
      if (count != null) {
        b.outputFacets(ol.newOutputDatasetOutputFacetsBuilder()
            .outputStatistics(ol.newOutputStatisticsOutputDatasetFacet(count, null, null)).build());
      }
      return b.build();
    }).toList();
  }

  /** The fields of an Avro record as OpenLineage schema fields: nullable unions by their other branch, nested too. */
  static List<OpenLineage.SchemaDatasetFacetFields> fields(Schema record) {
    List<OpenLineage.SchemaDatasetFacetFields> out = new ArrayList<>();
    long position = 1;
    for (Schema.Field f : record.getFields()) {
      Schema type = nonNull(f.schema());
      OpenLineage.SchemaDatasetFacetFieldsBuilder b = new OpenLineage.SchemaDatasetFacetFieldsBuilder()
          .name(f.name()).type(typeName(type)).description(f.doc()).ordinal_position(position++);
      Schema inner = type.getType() == Schema.Type.ARRAY ? nonNull(type.getElementType())
          : type.getType() == Schema.Type.MAP ? nonNull(type.getValueType()) : type;
      if (inner.getType() == Schema.Type.RECORD) {
        b.fields(fields(inner));
      }
      out.add(b.build());
    }
    return out;
  }

  private static String typeName(Schema type) {
    return switch (type.getType()) {
      case ARRAY -> "array<" + typeName(nonNull(type.getElementType())) + ">";
      case MAP -> "map<string," + typeName(nonNull(type.getValueType())) + ">";
      case RECORD -> "struct";
      case UNION -> "union";
      default -> type.getType().getName();
    };
  }

  private static Schema nonNull(Schema s) {
    if (s.getType() != Schema.Type.UNION) {
      return s;
    }
    List<Schema> branches = s.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).toList();
    return branches.size() == 1 ? branches.get(0) : s;
  }
}
