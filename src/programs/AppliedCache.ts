import { Context, type Effect } from "effect"

/** What the API server returned for one object the last time this process applied it. */
export interface AppliedState {
  /** Digest of the applied configuration, conflict action and acting identity. */
  readonly hash: string
  readonly uid: string
  readonly resourceVersion: string
}

/** Addresses one stage of one StageSet. */
export interface StageAddress {
  readonly namespace: string
  readonly stageSet: string
  readonly stage: string
}

/**
 * Per stage, the last applied state of each member (by entry id): the no-op fast path of
 * performance.md. An object whose desired hash is unchanged and whose live uid and
 * resourceVersion still equal what our apply returned has not been touched since, so
 * applying it again would change nothing. Process memory only: after a restart, the shards'
 * applied digests (inventory/AppliedDigest.ts) stand in for it until the stage's first
 * apply in the new process.
 */
export class AppliedCache extends Context.Tag("stageset/AppliedCache")<
  AppliedCache,
  {
    readonly get: (stage: StageAddress) => Effect.Effect<ReadonlyMap<string, AppliedState>>
    /** Replaces what is known of a stage. */
    readonly set: (
      stage: StageAddress,
      states: ReadonlyMap<string, AppliedState>,
    ) => Effect.Effect<void>
    /** Drops every stage of a StageSet (deleted, torn down, or gone). */
    readonly forgetStageSet: (namespace: string, stageSet: string) => Effect.Effect<void>
  }
>() {}
