/**
 * Fields of the public Go stageset-controller's v1 StageSet that this controller does not
 * implement (api.md, "Compatibility with the public Go implementation"). They are in the
 * schema so that the API server keeps them: a structural CRD would otherwise prune them
 * without a word, and a StageSet written for the Go implementation would silently lose
 * its error budget or rollback. A reconcile refuses a StageSet that sets one of them with
 * Ready=False/Unsupported naming the field, and applies and prunes nothing
 * (`src/programs/unsupportedFields.ts`).
 *
 * Their insides are kept as written, not validated: nothing here reads them, and the
 * field that holds them is what the refusal names.
 */
import { Schema } from "effect"
import { optionalField } from "./k8s/fields.ts"
import { StringEnum } from "./k8s/StringEnum.ts"

const notSupported = (what: string) =>
  `${what} (Go stageset-controller API). Not supported by this controller: a StageSet that asks for it is not reconciled (Ready=False, reason Unsupported).`

/** Any JSON object, kept as written. */
const KeptObject = Schema.Object
/** A list of JSON objects, kept as written. */
const KeptList = Schema.Array(Schema.Object)

/** Spec-level fields of the Go implementation that have no behaviour here. */
export const goOnlySpecFields = {
  decryption: optionalField(KeptObject, notSupported("SOPS decryption of the stage sources")),
  migrations: optionalField(KeptList, notSupported("Version-gated migration action ladders")),
  migrationsSourceRef: optionalField(
    KeptObject,
    notSupported("A source holding the migration ladder"),
  ),
  rollbackOnFailure: optionalField(
    Schema.Boolean,
    notSupported("Restore the last applied revisions when a run fails"),
  ),
  onRollback: optionalField(KeptList, notSupported("Actions run after a rollback")),
  updateWindows: optionalField(KeptList, notSupported("Windows that allow or deny rollouts")),
  windowScope: optionalField(
    StringEnum("Updates", "All"),
    notSupported("What a closed update window holds"),
  ),
  errorBudget: optionalField(KeptObject, notSupported("An error-budget freeze of rollouts")),
}

/** Stage-level fields of the Go implementation that have no behaviour here. */
export const goOnlyStageFields = {
  migrationAnchor: optionalField(Schema.String, notSupported("The anchor role for migrations")),
  applyHelmHookResources: optionalField(
    Schema.Boolean,
    notSupported(
      "Whether helm.sh/hook resources are applied (true, what this controller always does) or stripped (false)",
    ),
  ),
  actions: optionalField(KeptObject, notSupported("Pre, post and on-failure actions")),
  promotion: optionalField(KeptObject, notSupported("A gate on advancing to the next stage")),
  errorBudget: optionalField(KeptObject, notSupported("An error-budget freeze of this stage")),
}
