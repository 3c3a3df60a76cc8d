package dev.concord.job;

import dev.concord.config.ConcordConfig;
import dev.concord.openlineage.RunEvents;
import dev.concord.openlineage.RunListener;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.springframework.batch.core.configuration.annotation.EnableBatchProcessing;
import org.springframework.batch.core.configuration.annotation.EnableJdbcJobRepository;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.jdbc.support.JdbcTransactionManager;

/** The job's wiring only: the job repository, and one step per stage, each a thin tasklet. */
@Configuration
@EnableBatchProcessing
@EnableJdbcJobRepository
public class BatchConfig {
  private static final Logger LOG = LogManager.getLogger(BatchConfig.class);
  static final String JOB_NAME = "concord";

  @Bean
  public DataSource dataSource(JobContext context) {
    ConcordConfig.JobStateSettings state = context.config().jobState();
    String url = state.jdbcUrl() != null ? state.jdbcUrl()
        // Open for the life of the JVM (closed by H2's shutdown hook): no close and reopen of the file between
        // statements, which under heavy load once lost the schema in the middle of a run.
        : "jdbc:h2:file:" + context.store().stateDir().resolve("jobrepo") + ";AUTO_SERVER=FALSE;DB_CLOSE_DELAY=-1";
    DriverManagerDataSource ds = new DriverManagerDataSource(url);
    if (state.username() != null) {
      ds.setUsername(state.username());
      ds.setPassword(state.password());
    }
    createSchemaIfAbsent(ds, url);
    return ds;
  }

  @Bean
  public JdbcTransactionManager transactionManager(DataSource dataSource) {
    return new JdbcTransactionManager(dataSource);
  }

  @Bean
  public Job concordJob(JobRepository jobRepository, JdbcTransactionManager transactionManager, JobContext context) {
    Steps steps = context.steps();
    return new JobBuilder(JOB_NAME, jobRepository)
        .start(step("ingest", steps::ingest, jobRepository, transactionManager, context))
        .next(step("reconcile", steps::reconcile, jobRepository, transactionManager, context))
        .next(step("agreement", steps::agreement, jobRepository, transactionManager, context))
        .next(step("resolve", steps::resolve, jobRepository, transactionManager, context))
        .next(step("dedup", steps::dedup, jobRepository, transactionManager, context))
        .next(new StepBuilder("publish", jobRepository).tasklet((contribution, chunk) -> {
          Map<String, Double> seconds = new LinkedHashMap<>();
          for (StepExecution s : chunk.getStepContext().getStepExecution().getJobExecution().getStepExecutions()) {
            if (s.getStartTime() != null && s.getEndTime() != null) {
              seconds.put(s.getStepName(),
                  java.time.Duration.between(s.getStartTime(), s.getEndTime()).toMillis() / 1000.0);
            }
          }
          timed("publish", context, () -> context.publish(seconds));
          return RepeatStatus.FINISHED;
        }, transactionManager).build())
        .listener(new RunListener(context.config().openlineage(), context.store().stateDir(),
            new RunEvents.Description(context.config().openlineage().namespace(), context.store().runId(),
                context.store().root(), context.request().inputs(), context.request().gold(),
                context.request().evalPrompts())))
        .build();
  }

  private static Step step(String name, Runnable stage, JobRepository repository, JdbcTransactionManager tx,
      JobContext context) {
    return new StepBuilder(name, repository).tasklet((contribution, chunk) -> {
      timed(name, context, stage);
      return RepeatStatus.FINISHED;
    }, tx).build();
  }

  private static void timed(String name, JobContext context, Runnable stage) {
    long start = System.nanoTime();
    LOG.info("step {} started", name);
    context.store().spark().sparkContext().setJobGroup(name, "concord step " + name, false);
    try {
      stage.run();
    } finally {
      // A failed step must not leave its name on the thread: the next run in this JVM would be held to its graph.
      context.store().spark().sparkContext().clearJobGroup();
    }
    LOG.info("step {} done in {} s", name, String.format("%.1f", (System.nanoTime() - start) / 1e9));
  }

  /** Spring Batch's schema scripts have no IF NOT EXISTS: run the one for this database only when it is absent. */
  private static void createSchemaIfAbsent(DataSource ds, String url) {
    try (Connection c = ds.getConnection()) {
      try (ResultSet t = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
        while (t.next()) {
          if (t.getString("TABLE_NAME").equalsIgnoreCase("BATCH_JOB_INSTANCE")) {
            return;
          }
        }
      }
      String vendor = url.startsWith("jdbc:postgresql:") ? "postgresql" : "h2";
      new ResourceDatabasePopulator(new ClassPathResource("org/springframework/batch/core/schema-" + vendor + ".sql"))
          .populate(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prepare the job repository at " + url + ": " + e.getMessage(), e);
    }
  }
}
