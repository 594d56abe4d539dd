import { describe, expect, it } from "@effect/vitest"
import { StageInventory } from "../../../schemas/StageInventory.ts"
import { StageSet } from "../../../schemas/StageSet.ts"
import { openApiSchemaFor } from "../../../src/crd/crdFor.ts"

type Node = { readonly [key: string]: unknown }

/** Every field path the CRD schema defines, `[]` for list items, `{}` for map values. */
const pathsOf = (node: Node, path = ""): Array<string> => {
  const properties = (node.properties ?? {}) as Record<string, Node>
  const items = node.items as Node | undefined
  return [
    ...Object.entries(properties).flatMap(([name, child]) => {
      const childPath = path === "" ? name : `${path}.${name}`
      return [childPath, ...pathsOf(child, childPath)]
    }),
    ...(items === undefined ? [] : pathsOf(items, `${path}[]`)),
  ]
}

// The field paths of the public Go stageset-controller's v1 StageSet (api/v1/stageset_types.go):
// a StageSet written for it must keep every one of them through our CRD, whether we
// implement the field or refuse it as Unsupported. The insides of the refused fields
// (actions, promotion, errorBudget, ...) are kept as written, not modelled.
// stages[].patches, stages[].postBuild and stages[].readyChecks.exprs arrive with the
// kustomize build work and are listed by its tests.
const goSpecPaths = [
  "interval",
  "retryInterval",
  "driftDetectionInterval",
  "timeout",
  "onTimeout",
  "suspend",
  "dependsOn[].name",
  "dependsOn[].namespace",
  "dependsOn[].minVersion",
  "serviceAccountName",
  "kubeConfig.secretRef.name",
  "kubeConfig.secretRef.key",
  "kubeConfig.configMapRef.name",
  "decryption",
  "version.value",
  "version.fromArtifact.stage",
  "version.fromArtifact.path",
  "version.fromObject.stage",
  "version.fromObject.kind",
  "version.fromObject.name",
  "version.fromObject.apiVersion",
  "version.fromObject.fieldPath",
  "version.requireMigrationCoverage",
  "version.approvalMode",
  "version.allowDowngrade",
  "migrations",
  "migrationsSourceRef",
  "rollbackOnFailure",
  "onRollback",
  "updateWindows",
  "windowScope",
  "errorBudget",
  "stages[].name",
  "stages[].migrationAnchor",
  "stages[].sourceRef.apiVersion",
  "stages[].sourceRef.kind",
  "stages[].sourceRef.name",
  "stages[].sourceRef.namespace",
  "stages[].path",
  "stages[].serviceAccountName",
  "stages[].prune",
  "stages[].timeout",
  "stages[].onTimeout",
  "stages[].force",
  "stages[].conflictPolicy.default",
  "stages[].conflictPolicy.rules[].target.apiVersion",
  "stages[].conflictPolicy.rules[].target.kind",
  "stages[].conflictPolicy.rules[].target.name",
  "stages[].conflictPolicy.rules[].target.namespace",
  "stages[].conflictPolicy.rules[].action",
  "stages[].conflictPolicy.rules[].allowDataLoss",
  "stages[].applyHelmHookResources",
  "stages[].actions",
  "stages[].readyChecks.timeout",
  "stages[].readyChecks.disableWait",
  "stages[].readyChecks.checks[].apiVersion",
  "stages[].readyChecks.checks[].kind",
  "stages[].readyChecks.checks[].name",
  "stages[].readyChecks.checks[].namespace",
  "stages[].promotion",
  "stages[].errorBudget",
]

// Status fields of the Go implementation that tooling written for it reads.
const goStatusPaths = [
  "observedGeneration",
  "lastHandledReconcileAt",
  "conditions",
  "lastAttemptedRevisions",
  "lastAppliedRevisions",
  "stages[].name",
  "stages[].phase",
  "stages[].appliedRevision",
  "stages[].entriesCount",
  "stages[].shards",
  "stages[].message",
]

describe("the Go stageset-controller's API in our CRDs", () => {
  it("every field of its v1 StageSet spec is kept, none pruned by the API server", () => {
    const spec = pathsOf((openApiSchemaFor(StageSet).properties as Record<string, Node>).spec!)
    expect(goSpecPaths.filter((path) => !spec.includes(path))).toEqual([])
  })

  it("the refused fields keep whatever they hold", () => {
    const spec = (openApiSchemaFor(StageSet).properties as Record<string, Node>).spec!
    const properties = spec.properties as Record<string, Node>
    for (const name of ["decryption", "migrationsSourceRef", "errorBudget"])
      expect(properties[name], name).toMatchObject({
        type: "object",
        "x-kubernetes-preserve-unknown-fields": true,
      })
    for (const name of ["migrations", "onRollback", "updateWindows"])
      expect(
        (properties[name]?.items as Node | undefined)?.["x-kubernetes-preserve-unknown-fields"],
      ).toBe(true)
  })

  it("its status fields are ours too", () => {
    const status = pathsOf((openApiSchemaFor(StageSet).properties as Record<string, Node>).status!)
    expect(goStatusPaths.filter((path) => !status.includes(path))).toEqual([])
  })

  it("a StageInventory shard 0 as it writes it, without stagePosition, is valid", () => {
    const spec = (openApiSchemaFor(StageInventory).properties as Record<string, Node>).spec!
    expect(spec.required ?? []).not.toContain("stagePosition")
    expect((spec.properties as Record<string, Node>).stagePosition?.default).toBe(0)
  })
})
