import { DateTime, Effect } from "effect"
import type { StageSetStatus } from "../../../schemas/StageSet.ts"
import { RECONCILE_REQUESTED_AT } from "../../inventory/Labels.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { buildStatus, type StatusInput } from "./buildStatus.ts"
import { statusOf } from "./observeStageSet.ts"
import type { StageSetKey } from "./StageSetKey.ts"
import { type LatestStageSet, writeStatus } from "./writeStageSet.ts"

export interface StatusWriter {
  /** The status as this reconcile found it, decoded once. */
  readonly previous: StageSetStatus
  /**
   * Builds the status for `input` and writes it when it differs from what is stored.
   * `pinned`, the revisions of a run that got as far as rendering, become
   * `lastAttemptedRevisions`, and `lastAppliedRevisions` once the run ends Ready; without
   * them both stay as stored.
   */
  readonly write: (input: StatusWrite) => ReturnType<typeof writeStatus>
}

export type StatusWrite = Omit<
  StatusInput,
  | "generation"
  | "lastHandledReconcileAt"
  | "lastAttemptedRevisions"
  | "lastAppliedRevisions"
  | "version"
> & {
  readonly pinned?: Readonly<Record<string, string>>
  readonly version?: string | undefined
}

/**
 * Status writes of one reconcile: every write carries the generation this reconcile read
 * and echoes the `reconcile.fluxcd.io/requestedAt` token it is handling; conditions keep
 * their lastTransitionTime unless their status flips.
 */
export const makeStatusWriter = (
  key: StageSetKey,
  live: KubeObject,
  latest: LatestStageSet,
): StatusWriter => {
  const previous = statusOf(live)
  const handled =
    live.metadata.annotations?.[RECONCILE_REQUESTED_AT] ?? previous.lastHandledReconcileAt
  return {
    previous,
    write: ({ pinned, version, ...input }) =>
      Effect.flatMap(DateTime.now, (now) =>
        writeStatus(
          key,
          buildStatus(
            {
              ...input,
              generation: live.metadata.generation,
              lastHandledReconcileAt: handled,
              lastAttemptedRevisions: pinned ?? previous.lastAttemptedRevisions,
              lastAppliedRevisions:
                pinned !== undefined && input.outcome._tag === "Ready"
                  ? pinned
                  : previous.lastAppliedRevisions,
              // As in the Go implementation: set only by a run that ended Ready.
              version:
                version !== undefined && input.outcome._tag === "Ready"
                  ? version
                  : previous.version,
            },
            previous.conditions ?? [],
            DateTime.formatIso(now),
          ),
          latest,
        ),
      ),
  }
}
