import { Data, type Duration } from "effect"
import type { OnTimeout } from "../../../schemas/StageSet.ts"
import type { ObjectKey } from "../../kube/KubeObject.ts"

/** An object of the stage reached a terminal failure (kstatus `Failed`); waiting longer cannot help. */
export class VerifyFailed extends Data.TaggedError("VerifyFailed")<{
  readonly key: ObjectKey
  /** `Deployment payments/web failed: progress deadline exceeded`. */
  readonly message: string
}> {}

/** One object that was still not ready when time ran out, with what it was waiting for. */
export interface PendingObject {
  readonly key: ObjectKey
  readonly status: string
  readonly message: string
}

/**
 * The verify timeout passed before every object was ready. Under the stage's `onTimeout`
 * (stage, else spec, else Hold): Hold reports it as VerifyTimeout, a stage still coming up;
 * Rollback counts it as any other failure (StageFailed), as the Go implementation does.
 */
export class VerifyTimeout extends Data.TaggedError("VerifyTimeout")<{
  readonly timeout: Duration.Duration
  readonly pending: ReadonlyArray<PendingObject>
  readonly onTimeout?: OnTimeout | undefined
  /** `timed out after 5m waiting for 2 objects: Deployment payments/web: 1/3 replicas available; ...` */
  readonly message: string
}> {}
