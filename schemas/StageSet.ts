import { Schema } from "effect"
import { goOnlySpecFields, goOnlyStageFields } from "./GoOnlyFields.ts"
import { decoderFor } from "./InvalidObject.ts"
import { Conditions } from "./k8s/Condition.ts"
import { Dns1123Label, Dns1123Subdomain } from "./k8s/Dns1123.ts"
import { GoDuration } from "./k8s/Duration.ts"
import { defaultedField, optionalField } from "./k8s/fields.ts"
import { NonNegativeInt64 } from "./k8s/Int64.ts"
import { ListMap } from "./k8s/ListMap.ts"
import { ObjectMeta } from "./k8s/ObjectMeta.ts"
import { StringEnum } from "./k8s/StringEnum.ts"

// Defaults (suspend, prune, force, conflictPolicy.default, readyChecks.disableWait)
// are filled by decoding as well as by the API server (see defaultedField), so
// the decoded types carry them as required fields. Everything whose default
// depends on context (interval, namespace, apiVersion of a source) stays optional
// and is resolved by the programs.

export const stagesGroup = "stages.metio.wtf"
export const stagesApiVersion = `${stagesGroup}/v1`

/** The source kind of a `sourceRef` that names none, as in the Go implementation. */
export const defaultSourceKind = "ExternalArtifact"

export const ConflictAction = StringEnum("Fail", "Recreate", "KeepExisting")
export type ConflictAction = typeof ConflictAction.Type

export const StagePhase = StringEnum(
  "Pending",
  "Applying",
  "Pruning",
  "Verifying",
  "Ready",
  "Failed",
)
export type StagePhase = typeof StagePhase.Type

export const InventoryMode = StringEnum("hybrid", "entries", "applyset")
export type InventoryMode = typeof InventoryMode.Type

const NonEmptyString = Schema.String.pipe(Schema.minLength(1))
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())

export const SourceRef = Schema.Struct({
  kind: defaultedField(
    NonEmptyString,
    defaultSourceKind,
    "Kind of the source object: ConfigMap, Secret, a Flux source kind (ExternalArtifact, GitRepository, OCIRepository, Bucket) or a producer kind, resolved to the ExternalArtifact whose spec.sourceRef names it.",
  ),
  name: Dns1123Subdomain.annotations({ description: "Name of the source object." }),
  namespace: optionalField(Dns1123Label, "Namespace of the source; the StageSet's by default."),
  apiVersion: optionalField(
    NonEmptyString,
    "API version of the source; v1 for ConfigMap and Secret, source.toolkit.fluxcd.io/v1 otherwise (a producer's names its API group).",
  ),
}).annotations({ description: "Where the stage's manifests come from." })
export type SourceRef = typeof SourceRef.Type

export const ObjectSelector = Schema.Struct({
  apiVersion: optionalField(NonEmptyString, "API version to match; any when unset."),
  kind: optionalField(NonEmptyString, "Kind to match; any when unset."),
  namespace: optionalField(NonEmptyString, "Namespace to match; any when unset."),
  name: optionalField(NonEmptyString, "Name to match; any when unset."),
}).annotations({ description: "A partial object selector; unset fields match everything." })
export type ObjectSelector = typeof ObjectSelector.Type

export const ConflictRule = Schema.Struct({
  target: ObjectSelector,
  action: ConflictAction.annotations({
    description: "What to do on a conflict with a matching object.",
  }),
  allowDataLoss: optionalField(
    Schema.Boolean,
    "Must be true to Recreate a PersistentVolumeClaim or PersistentVolume.",
  ),
}).annotations({ description: "A conflict action for the objects a target matches." })
export type ConflictRule = typeof ConflictRule.Type

export const ConflictPolicy = Schema.Struct({
  default: defaultedField(ConflictAction, "Fail", "Action for conflicts no rule matches."),
  rules: optionalField(
    Schema.Array(ConflictRule),
    "Rules tried in order; the first whose target matches wins.",
  ),
}).annotations({ description: "How to resolve server-side apply conflicts." })
export type ConflictPolicy = typeof ConflictPolicy.Type

export const ReadyCheck = Schema.Struct({
  apiVersion: optionalField(
    NonEmptyString,
    "API version of the object to wait for; the version the API server serves the kind at by default.",
  ),
  kind: NonEmptyString.annotations({ description: "Kind of the object to wait for." }),
  name: NonEmptyString.annotations({ description: "Name of the object to wait for." }),
  namespace: optionalField(
    NonEmptyString,
    "Namespace of a namespaced object; the StageSet's by default. Ignored for cluster scope.",
  ),
}).annotations({ description: "An extra object that must become ready (kstatus rules)." })
export type ReadyCheck = typeof ReadyCheck.Type

export const ReadyCheckExpr = Schema.Struct({
  apiVersion: NonEmptyString.annotations({
    description: "API version of the kind checked; only its group has to match.",
  }),
  kind: NonEmptyString.annotations({ description: "Kind of the applied objects checked." }),
  current: optionalField(Schema.String, "CEL expression that is true once the object is ready."),
  inProgress: optionalField(
    Schema.String,
    "CEL expression that is true while the object is still converging; named when the wait times out.",
  ),
  failed: optionalField(
    Schema.String,
    "CEL expression that is true when the object has failed; fails the stage at once.",
  ),
}).annotations({
  description:
    "CEL readiness rules for the stage's applied objects of one kind. The expressions see the object's apiVersion, kind, metadata, spec and status.",
})
export type ReadyCheckExpr = typeof ReadyCheckExpr.Type

export const ReadyChecks = Schema.Struct({
  timeout: optionalField(GoDuration, "How long to wait for readiness."),
  disableWait: defaultedField(
    Schema.Boolean,
    false,
    "Skip the kstatus wait over the applied objects (checks and exprs still apply).",
  ),
  checks: optionalField(Schema.Array(ReadyCheck), "Extra objects to wait for."),
  exprs: optionalField(
    Schema.Array(ReadyCheckExpr),
    "CEL health checks over the applied objects, evaluated once kstatus says they are ready.",
  ),
}).annotations({ description: "How the stage's readiness is verified." })
export type ReadyChecks = typeof ReadyChecks.Type

export const OnTimeout = StringEnum("Hold", "Rollback")
export type OnTimeout = typeof OnTimeout.Type
export const PatchSelector = Schema.Struct({
  group: optionalField(Schema.String, "API group of the objects to patch."),
  version: optionalField(Schema.String, "API version (without group) of the objects to patch."),
  kind: optionalField(Schema.String, "Kind of the objects to patch."),
  namespace: optionalField(Schema.String, "Namespace of the objects to patch."),
  name: optionalField(Schema.String, "Name (a regular expression) of the objects to patch."),
  annotationSelector: optionalField(
    Schema.String,
    "Annotation selector (label selector syntax) the objects must match.",
  ),
  labelSelector: optionalField(Schema.String, "Label selector the objects must match."),
}).annotations({ description: "The objects a patch applies to; unset fields match all." })
export type PatchSelector = typeof PatchSelector.Type

export const KustomizePatch = Schema.Struct({
  patch: Schema.String.annotations({
    description: "An inline strategic merge patch, or a JSON 6902 patch (a list of operations).",
  }),
  target: optionalField(PatchSelector, "The objects to patch; by default what the patch names."),
}).annotations({ description: "A kustomize patch applied to the stage's build." })
export type KustomizePatch = typeof KustomizePatch.Type

export const SubstituteKind = StringEnum("ConfigMap", "Secret")

export const SubstituteReference = Schema.Struct({
  kind: SubstituteKind.annotations({ description: "ConfigMap or Secret." }),
  name: Dns1123Subdomain.annotations({
    description: "Name of the ConfigMap or Secret, in the StageSet's namespace.",
  }),
  optional: defaultedField(
    Schema.Boolean,
    false,
    "Tolerate a missing object, as if it were present and empty.",
  ),
}).annotations({ description: "A ConfigMap or Secret whose data keys are substitution variables." })
export type SubstituteReference = typeof SubstituteReference.Type

export const PostBuild = Schema.Struct({
  substitute: optionalField(
    Schema.Record({ key: Schema.String, value: Schema.String }),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: it names the substitution syntax
    "Variables substituted for ${name} in the built manifests; these win over substituteFrom.",
  ),
  substituteFrom: optionalField(
    Schema.Array(SubstituteReference),
    "ConfigMaps and Secrets whose data keys are variables; a later one wins over an earlier one.",
  ),
}).annotations({ description: "Variable substitution after the build and patches, as Flux does." })
export type PostBuild = typeof PostBuild.Type

export const Stage = Schema.Struct({
  name: Dns1123Label.annotations({ description: "Name of the stage, unique in the StageSet." }),
  sourceRef: SourceRef,
  path: optionalField(Schema.String, "Directory inside the artifact (Flux kinds)."),
  prune: defaultedField(Schema.Boolean, true, "Delete objects the stage no longer applies."),
  timeout: optionalField(GoDuration, "Verify timeout for this stage; overrides spec.timeout."),
  force: defaultedField(Schema.Boolean, false, "Shorthand for conflictPolicy.default Recreate."),
  conflictPolicy: optionalField(ConflictPolicy, "How to resolve apply conflicts."),
  patches: optionalField(
    Schema.Array(KustomizePatch),
    "Kustomize patches (strategic merge or JSON 6902) applied to the build.",
  ),
  postBuild: optionalField(PostBuild, "Variable substitution after the build and patches."),
  readyChecks: optionalField(ReadyChecks, "How readiness is verified."),
  serviceAccountName: optionalField(
    Dns1123Subdomain,
    "Service account impersonated for this stage; overrides spec.serviceAccountName.",
  ),
  onTimeout: optionalField(
    OnTimeout,
    "What a verify timeout of this stage means; spec.onTimeout by default. Hold: a stage still coming up (VerifyTimeout). Rollback: a failure of the stage (StageFailed); nothing is rolled back, rollbackOnFailure is not supported.",
  ),
  ...goOnlyStageFields,
}).annotations({ description: "One ordered step: a source of manifests applied together." })
export type Stage = typeof Stage.Type
export type StageEncoded = typeof Stage.Encoded

// No upper bound, as in the Go implementation: nothing in a run or its status needs one
// (docs/coming-from-go.md, "How many stages").
export const Stages = ListMap(Stage, "name").pipe(
  Schema.minItems(1, { message: () => "must hold at least one stage" }),
)

export const StageSetDependency = Schema.Struct({
  name: Dns1123Subdomain.annotations({ description: "Name of the StageSet." }),
  namespace: optionalField(Dns1123Label, "Namespace of the StageSet; this one's by default."),
  minVersion: optionalField(
    NonEmptyString,
    "Lowest status.version (a semantic version) the StageSet must be Ready at.",
  ),
}).annotations({ description: "Another StageSet that must be Ready first." })

export const VersionSource = Schema.Struct({
  value: optionalField(NonEmptyString, "The version, written inline (a semantic version)."),
  fromArtifact: optionalField(
    Schema.Struct({
      stage: Dns1123Label.annotations({ description: "Stage whose artifact holds the file." }),
      path: NonEmptyString.annotations({
        description:
          "Path of the version file from the root of the source (a data key of a ConfigMap).",
      }),
    }),
    "Read the version from a file in a stage's artifact.",
  ),
  fromObject: optionalField(
    Schema.Struct({
      stage: optionalField(
        Dns1123Label,
        "Stage whose render holds the object; the first one by default.",
      ),
      kind: NonEmptyString.annotations({ description: "Kind of the object." }),
      name: NonEmptyString.annotations({ description: "Name of the object." }),
      apiVersion: optionalField(NonEmptyString, "API version of the object; any when unset."),
      fieldPath: optionalField(
        NonEmptyString,
        "JSONPath to the version; the app.kubernetes.io/version label by default.",
      ),
    }),
    "Read the version from a field of a rendered object.",
  ),
  requireMigrationCoverage: optionalField(
    Schema.Boolean,
    "Refuse a major version change no migration covers (not supported: migrations are not).",
  ),
  approvalMode: optionalField(
    StringEnum("Never", "OnMigrations", "Always"),
    "Hold version changes for approval (only Never is supported).",
  ),
  allowDowngrade: optionalField(
    Schema.Boolean,
    "Permit a lower version than status.version; without it such a run is refused (DowngradeNotAllowed).",
  ),
}).annotations({ description: "Where the deployed version comes from (exactly one source)." })
export type VersionSource = typeof VersionSource.Type

export const KubeConfigReference = Schema.Struct({
  secretRef: optionalField(
    Schema.Struct({
      name: Dns1123Subdomain.annotations({ description: "Name of the Secret." }),
      key: optionalField(NonEmptyString, "Key holding the kubeconfig; value by default."),
    }),
    "A Secret in the StageSet's namespace holding a kubeconfig.",
  ),
  configMapRef: optionalField(
    Schema.Struct({
      name: Dns1123Subdomain.annotations({ description: "Name of the ConfigMap." }),
    }),
    "A ConfigMap describing a cloud provider's cluster (not supported).",
  ),
}).annotations({ description: "The remote cluster the stages apply to." })
export type KubeConfigReference = typeof KubeConfigReference.Type
export type StageSetDependency = typeof StageSetDependency.Type

export const StageSetSpec = Schema.Struct({
  interval: optionalField(
    GoDuration,
    "Reconcile cadence; the controller's --default-interval by default.",
  ),
  retryInterval: optionalField(
    GoDuration,
    "Reconcile cadence after a failure; interval by default.",
  ),
  timeout: optionalField(GoDuration, "Default verify timeout of every stage."),
  suspend: defaultedField(Schema.Boolean, false, "Pause reconciling without deleting anything."),
  serviceAccountName: optionalField(
    Dns1123Subdomain,
    "Service account impersonated for every cluster call of this StageSet.",
  ),
  stages: Stages.annotations({
    description: "The stages, applied in order and torn down in reverse.",
  }),
  dependsOn: optionalField(
    Schema.Array(StageSetDependency),
    "Other StageSets that must be Ready (at their current generation, and at minVersion when set) before this one applies anything; a deletion is not held.",
  ),
  driftDetectionInterval: optionalField(
    GoDuration,
    "Cadence of reconciles after a success when shorter than interval, so out-of-band drift is healed sooner; a value not shorter than interval is ignored.",
  ),
  onTimeout: optionalField(
    OnTimeout,
    "What a verify timeout of a stage means; Hold by default. Hold: a stage still coming up (VerifyTimeout). Rollback: a failure of the stage (StageFailed); nothing is rolled back, rollbackOnFailure is not supported.",
  ),
  kubeConfig: optionalField(
    KubeConfigReference,
    "Apply to a remote cluster (secretRef); inventories and status stay in this one.",
  ),
  version: optionalField(
    VersionSource,
    "The version of what the StageSet deploys, recorded in status.version when a run ends Ready.",
  ),
  ...goOnlySpecFields,
}).annotations({ description: "The desired stages and how to reconcile them." })
export type StageSetSpec = typeof StageSetSpec.Type
export type StageSetSpecEncoded = typeof StageSetSpec.Encoded

export const StageStatus = Schema.Struct({
  name: Dns1123Label.annotations({ description: "Name of the stage." }),
  position: NonNegativeInt.annotations({ description: "Index of the stage in spec.stages." }),
  phase: StagePhase.annotations({ description: "Where the stage is in its reconcile." }),
  appliedRevision: optionalField(
    Schema.String,
    "The source revision this stage last applied (not merely rendered).",
  ),
  entriesCount: optionalField(NonNegativeInt, "Objects recorded in the stage's inventory."),
  shards: optionalField(NonNegativeInt, "StageInventory shards backing the stage."),
  message: optionalField(Schema.String, "Details of the stage's last outcome."),
  lastHandledReconcileAt: optionalField(
    Schema.String,
    "The token of the last stages.metio.wtf/reconcile-stage request (<stage>@<token>) this stage handled.",
  ),
}).annotations({ description: "Observed state of one stage." })
export type StageStatus = typeof StageStatus.Type

/** Revision by `namespace/name` of the object it was read from (an ExternalArtifact for a producer). */
const Revisions = Schema.Record({ key: Schema.String, value: Schema.String })

export const StageSetStatus = Schema.Struct({
  observedGeneration: optionalField(NonNegativeInt64, "The generation last reconciled."),
  inventoryMode: optionalField(
    InventoryMode,
    "The inventory mode the stored inventories of all stages satisfy.",
  ),
  lastHandledReconcileAt: optionalField(
    Schema.String,
    "The last reconcile.fluxcd.io/requestedAt token handled.",
  ),
  conditions: optionalField(Conditions, "Ready, Reconciling and Stalled conditions."),
  lastAttemptedRevisions: optionalField(
    Revisions,
    "The source revisions pinned by the current or last run, keyed namespace/name of the source object.",
  ),
  lastAppliedRevisions: optionalField(
    Revisions,
    "The source revisions of the last run that ended Ready, keyed namespace/name of the source object.",
  ),
  stages: optionalField(ListMap(StageStatus, "name"), "Observed state of each stage."),
  version: optionalField(
    Schema.String,
    "The version (spec.version) of the last run that ended Ready; what dependsOn[].minVersion compares.",
  ),
}).annotations({ description: "Observed state of the StageSet." })
export type StageSetStatus = typeof StageSetStatus.Type
export type StageSetStatusEncoded = typeof StageSetStatus.Encoded

export const StageSet = Schema.Struct({
  apiVersion: Schema.Literal(stagesApiVersion),
  kind: Schema.Literal("StageSet"),
  metadata: ObjectMeta,
  spec: StageSetSpec,
  status: optionalField(StageSetStatus, "Observed state, written by the controller."),
}).annotations({
  description: "StageSet rolls out ordered stages of manifests and prunes what they leave behind.",
})
export type StageSet = typeof StageSet.Type
export type StageSetEncoded = typeof StageSet.Encoded

/** Decodes a StageSet; the error names every offending field path. */
export const decodeStageSet = decoderFor(StageSet, "StageSet")

/** Encodes a StageSet back to its wire form (canonical duration strings). */
export const encodeStageSet: (stageSet: StageSet) => StageSetEncoded = Schema.encodeSync(StageSet)
