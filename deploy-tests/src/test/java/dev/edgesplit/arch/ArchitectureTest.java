package dev.edgesplit.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module layering, enforced on every module's main classes: the engine knows nothing of the
 * wire, the apps (edge agent, cloud worker) run without the compiler, edge and cloud do not know
 * each other, the planner needs only the engine, and no two top-level packages depend on each other
 * in a loop. Each rule is also shown to catch a violation (fixtures in this test's own package), so
 * a rule that matches nothing cannot pass silently.
 */
class ArchitectureTest {

  private static JavaClasses main;

  static final ArchRule ENGINE_HAS_NO_WIRE =
      noClasses()
          .that()
          .resideInAPackage("dev.edgesplit.engine..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.grpc..", "com.google.protobuf..", "dev.edgesplit.proto..")
          .as("the engine does not import gRPC, protobuf or the wire contract");

  static final ArchRule APPS_RUN_WITHOUT_THE_COMPILER =
      noClasses()
          .that()
          .resideInAnyPackage("dev.edgesplit.edge..", "dev.edgesplit.cloud..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.edgesplit.partitioner..")
          .as("the edge agent and the cloud worker do not import the compiler (partitioner)");

  static final ArchRule EDGE_DOES_NOT_KNOW_CLOUD =
      noClasses()
          .that()
          .resideInAPackage("dev.edgesplit.edge..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.edgesplit.cloud..")
          .as("the edge agent does not import the cloud worker");

  static final ArchRule CLOUD_DOES_NOT_KNOW_EDGE =
      noClasses()
          .that()
          .resideInAPackage("dev.edgesplit.cloud..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.edgesplit.edge..")
          .as("the cloud worker does not import the edge agent");

  static final ArchRule PLANNER_NEEDS_ONLY_THE_ENGINE =
      noClasses()
          .that()
          .resideInAPackage("dev.edgesplit.planner..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.edgesplit.partitioner..",
              "dev.edgesplit.proto..",
              "dev.edgesplit.server..",
              "dev.edgesplit.edge..",
              "dev.edgesplit.cloud..",
              "io.grpc..")
          .as("the planner depends on the engine only");

  static final ArchRule NO_LOOPS =
      slices()
          .matching("dev.edgesplit.(*)..")
          .should()
          .beFreeOfCycles()
          .as("no import loops between top-level packages");

  @BeforeAll
  static void importMainClasses() {
    // In a reactor build the modules are jars (after package) or target/classes; tests are never
    // among them
    // except this module's own fixtures, which the test-classes filter drops.
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.edgesplit");
    // Every module is on the classpath: an empty import would make every rule pass.
    assertThat(main.stream().map(c -> c.getPackageName().split("\\.")[2]).distinct())
        .contains(
            "engine", "planner", "partitioner", "proto", "server", "edge", "cloud", "bench", "cli");
  }

  @Test
  void engine_importsNoGrpcNorProto() {
    ENGINE_HAS_NO_WIRE.check(main);
  }

  @Test
  void apps_importNoCompiler() {
    APPS_RUN_WITHOUT_THE_COMPILER.check(main);
  }

  @Test
  void edgeAndCloud_doNotImportEachOther() {
    EDGE_DOES_NOT_KNOW_CLOUD.check(main);
    CLOUD_DOES_NOT_KNOW_EDGE.check(main);
  }

  @Test
  void planner_dependsOnTheEngineOnly() {
    PLANNER_NEEDS_ONLY_THE_ENGINE.check(main);
  }

  @Test
  void topLevelPackages_haveNoLoops() {
    NO_LOOPS.check(main);
  }

  @Test
  void everyRule_catchesAViolation() {
    JavaClasses fixtures =
        new ClassFileImporter()
            .importClasses(
                dev.edgesplit.engine.archfixture.EngineUsingGrpc.class,
                dev.edgesplit.edge.archfixture.EdgeUsingCompilerAndCloud.class,
                dev.edgesplit.cloud.archfixture.CloudUsingEdge.class,
                dev.edgesplit.planner.archfixture.PlannerUsingProto.class);
    for (ArchRule rule :
        List.of(
            ENGINE_HAS_NO_WIRE,
            APPS_RUN_WITHOUT_THE_COMPILER,
            EDGE_DOES_NOT_KNOW_CLOUD,
            CLOUD_DOES_NOT_KNOW_EDGE,
            PLANNER_NEEDS_ONLY_THE_ENGINE)) {
      EvaluationResult result = rule.evaluate(fixtures);
      assertThat(result.hasViolation()).as(rule.getDescription()).isTrue();
    }
  }
}
