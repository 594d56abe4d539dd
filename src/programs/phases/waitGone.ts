import { type Duration, Effect, Schedule } from "effect"
import { ActingClient } from "../../kube/ActingClient.ts"
import { describeKey } from "../../kube/describeKey.ts"
import type { ObjectKey } from "../../kube/KubeObject.ts"
import { DeleteTimeout } from "../errors/DeleteTimeout.ts"

/** How often to look again for deleted objects: soon at first, then every 2 s. */
export const goneCheckSchedule = Schedule.exponential("100 millis", 2).pipe(
  Schedule.union(Schedule.spaced("2 seconds")),
)

/**
 * Waits, as the acting identity, until none of `keys` exists any more (404, or its kind is gone), up to `timeout`.
 * Fails with DeleteTimeout naming what is still there, e.g. held by a finalizer.
 */
export const waitGone = Effect.fn("waitGone")(function* (
  keys: ReadonlyArray<ObjectKey>,
  timeout: Duration.Duration,
) {
  const kube = yield* ActingClient
  let remaining = keys
  const check = Effect.gen(function* () {
    const present = yield* Effect.forEach(
      remaining,
      (key) =>
        kube.get(key).pipe(
          Effect.as(true),
          Effect.catchTag("KubeNotFound", () => Effect.succeed(false)),
        ),
      { concurrency: 16 },
    )
    remaining = remaining.filter((_, i) => present[i])
    return remaining.length === 0
  })
  const done = yield* check.pipe(
    Effect.repeat({ schedule: goneCheckSchedule, until: (gone) => gone }),
    Effect.timeoutOption(timeout),
  )
  if (done._tag === "None" || !done.value)
    return yield* new DeleteTimeout({ remaining: remaining.map(describeKey) })
})
