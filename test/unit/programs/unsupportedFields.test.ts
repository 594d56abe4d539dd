import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { decodeStageSet } from "../../../schemas/StageSet.ts"
import { Unsupported } from "../../../src/programs/errors/Unsupported.ts"
import { failureOf } from "../../../src/programs/failureReason.ts"
import { unsupportedFields } from "../../../src/programs/unsupportedFields.ts"

const specWith = (spec: object, stage: object = {}) =>
  Effect.map(
    decodeStageSet({
      apiVersion: "stages.metio.wtf/v1",
      kind: "StageSet",
      metadata: { name: "ss", namespace: "ns" },
      spec: {
        stages: [
          { name: "infra", sourceRef: { name: "infra" } },
          { name: "app", sourceRef: { name: "app" }, ...stage },
        ],
        ...spec,
      },
    }),
    (decoded) => unsupportedFields(decoded.spec),
  )

describe("unsupportedFields", () => {
  it.effect("names every field that asks for what the Go implementation does and we do not", () =>
    Effect.gen(function* () {
      expect(
        yield* specWith(
          {
            errorBudget: { source: { webhook: { url: "http://slo" } }, freezeThreshold: "0" },
            rollbackOnFailure: true,
            updateWindows: [{ type: "Deny", schedule: "0 17 * * 5", duration: "64h" }],
            windowScope: "All",
            onRollback: [{ name: "x", wait: { duration: "1s" } }],
            migrations: [{ name: "m", to: "2.0.0" }],
            migrationsSourceRef: { sourceRef: { name: "m" } },
            decryption: { provider: "sops" },
            onTimeout: "Rollback",
            version: { value: "1.0.0", requireMigrationCoverage: true, approvalMode: "Always" },
          },
          {
            actions: { pre: [] },
            promotion: { soak: "10m" },
            errorBudget: {},
            migrationAnchor: "schema",
            applyHelmHookResources: false,
            onTimeout: "Rollback",
          },
        ),
      ).toEqual([
        "spec.version.requireMigrationCoverage",
        "spec.version.approvalMode",
        "spec.decryption",
        "spec.migrations",
        "spec.migrationsSourceRef",
        "spec.rollbackOnFailure",
        "spec.onRollback",
        "spec.updateWindows",
        "spec.windowScope",
        "spec.errorBudget",
        "spec.stages[1].migrationAnchor",
        "spec.stages[1].applyHelmHookResources",
        "spec.stages[1].actions",
        "spec.stages[1].promotion",
        "spec.stages[1].errorBudget",
      ])
    }),
  )

  it.effect("accepts dependsOn and a version with allowDowngrade: they are implemented", () =>
    Effect.gen(function* () {
      expect(
        yield* specWith({
          dependsOn: [{ name: "platform", namespace: "infra", minVersion: "1.2.0" }],
          version: { value: "1.0.0", allowDowngrade: true, approvalMode: "Never" },
        }),
      ).toEqual([])
    }),
  )

  it.effect("takes a kubeconfig Secret, refuses a cloud provider's ConfigMap naming it", () =>
    Effect.gen(function* () {
      expect(yield* specWith({ kubeConfig: { secretRef: { name: "remote" } } })).toEqual([])
      expect(yield* specWith({ kubeConfig: { configMapRef: { name: "eks" } } })).toEqual([
        "spec.kubeConfig.configMapRef",
      ])
    }),
  )

  it.effect("accepts values that mean what this controller always does", () =>
    Effect.gen(function* () {
      expect(
        yield* specWith(
          {
            rollbackOnFailure: false,
            // Implemented: a timeout counts as a failure (nothing to roll back).
            onTimeout: "Rollback",
            driftDetectionInterval: "1m",
            windowScope: "Updates",
            updateWindows: [],
            onRollback: [],
            migrations: [],
            dependsOn: [],
          },
          { applyHelmHookResources: true, onTimeout: "Rollback", migrationAnchor: "" },
        ),
      ).toEqual([])
    }),
  )

  it("is a stalled Unsupported condition whose message names the fields", () => {
    expect(failureOf(new Unsupported({ fields: ["spec.errorBudget"] }))).toEqual({
      reason: "Unsupported",
      stalled: true,
      message: "spec.errorBudget is not supported by this controller",
    })
    expect(
      new Unsupported({ fields: ["spec.errorBudget", "spec.stages[0].actions"] }).message,
    ).toBe("spec.errorBudget, spec.stages[0].actions are not supported by this controller")
  })
})
