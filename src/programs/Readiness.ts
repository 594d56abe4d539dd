import { Context, type Duration, type Effect } from "effect"
import type { ActingClient } from "../kube/ActingClient.ts"
import type { KubeError } from "../kube/KubeError.ts"
import type { KubeObject, ObjectKey } from "../kube/KubeObject.ts"
import type { ObjectStatus, ReadyStatus } from "../readiness/kstatus.ts"
import type { VerifyFailed, VerifyTimeout } from "./errors/verifyErrors.ts"

/** One object's readiness when the wait ended. */
export interface ObjectReadiness {
  readonly key: ObjectKey
  readonly status: ReadyStatus
  readonly message: string
}

export interface ReadyResult {
  /** Every distinct key that was waited for, in the order first given. */
  readonly objects: ReadonlyArray<ObjectReadiness>
}

/** How a live object's readiness is judged; kstatus' `computeStatus` unless a caller says otherwise. */
export type ReadinessJudge = (object: KubeObject) => ObjectStatus

/**
 * Waits for objects to become ready by kstatus rules (semantics.md section 2, step 5). The
 * reads (GETs, LISTs, watches) are the acting identity's (section 9): a StageSet cannot
 * watch what its ServiceAccount may not read.
 */
export class Readiness extends Context.Tag("stageset/Readiness")<
  Readiness,
  {
    /**
     * Succeeds as soon as every object is Current; fails fast with VerifyFailed when one is
     * Failed, and with VerifyTimeout (listing what is still not ready) once `timeout` passes.
     * A missing object is in progress, not an error.
     *
     * `known` holds live objects the caller has just read or written (apply responses, a
     * list): their status is taken from there instead of a GET, so a stage of N objects that
     * is already ready costs no request per object. Anything that changes later arrives
     * through the watch like any other update.
     *
     * `judge` replaces kstatus for the objects it is asked about (readyChecks.exprs).
     *
     * `onWait` runs once, after the first look and before any waiting, only if something is
     * not ready yet (the walk reports the stage as Verifying then, and not otherwise).
     */
    readonly waitReady: (
      keys: ReadonlyArray<ObjectKey>,
      timeout: Duration.DurationInput,
      known?: ReadonlyArray<KubeObject>,
      judge?: ReadinessJudge,
      onWait?: Effect.Effect<void>,
    ) => Effect.Effect<ReadyResult, VerifyTimeout | VerifyFailed | KubeError, ActingClient>
  }
>() {}
