import type { Stage, StageSetSpec } from "../../schemas/StageSet.ts"

/**
 * The field paths of a StageSet that ask for behaviour of the Go implementation this
 * controller does not have (api.md, "Compatibility with the public Go implementation"),
 * in spec order. A field counts when it asks for something: a value that means what this
 * controller always does (`rollbackOnFailure: false`, `applyHelmHookResources: true`, an
 * empty list) is accepted.
 */
export const unsupportedFields = (spec: StageSetSpec): ReadonlyArray<string> => {
  const found: Array<string> = []
  const check = (path: string, asks: boolean) => {
    if (asks) found.push(path)
  }
  const listed = (list: ReadonlyArray<unknown> | undefined) => (list?.length ?? 0) > 0
  // Not implemented yet (issue 14, part 4): refused rather than ignored until they are.
  // Not supported: there are no migrations to cover a version change, no approval gate.
  check("spec.version.requireMigrationCoverage", spec.version?.requireMigrationCoverage === true)
  check(
    "spec.version.approvalMode",
    spec.version?.approvalMode !== undefined && spec.version.approvalMode !== "Never",
  )
  // Cloud-provider authentication needs the providers' SDKs; secretRef is supported.
  check("spec.kubeConfig.configMapRef", spec.kubeConfig?.configMapRef !== undefined)
  check("spec.decryption", spec.decryption !== undefined)
  check("spec.migrations", listed(spec.migrations))
  check("spec.migrationsSourceRef", spec.migrationsSourceRef !== undefined)
  check("spec.rollbackOnFailure", spec.rollbackOnFailure === true)
  check("spec.onRollback", listed(spec.onRollback))
  check("spec.updateWindows", listed(spec.updateWindows))
  check("spec.windowScope", spec.windowScope === "All")
  check("spec.errorBudget", spec.errorBudget !== undefined)
  spec.stages.forEach((stage: Stage, i) => {
    const at = `spec.stages[${i}]`
    check(`${at}.migrationAnchor`, (stage.migrationAnchor ?? "") !== "")
    check(`${at}.applyHelmHookResources`, stage.applyHelmHookResources === false)
    check(`${at}.actions`, stage.actions !== undefined)
    check(`${at}.promotion`, stage.promotion !== undefined)
    check(`${at}.errorBudget`, stage.errorBudget !== undefined)
  })
  return found
}
