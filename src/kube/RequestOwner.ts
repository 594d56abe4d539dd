import { Effect, FiberRef } from "effect"

/**
 * For whom the current fiber sends API requests: the key (`namespace/name`) of the StageSet
 * being reconciled, or `""` for the controller's own work (informers, leader election,
 * Events outside a run). The process's token bucket serves owners in turn
 * (`fairTokenBucket.ts`), so one StageSet applying thousands of objects cannot starve
 * another. A FiberRef rather than a service: it follows the run into every fiber it forks
 * (the per-stage fan-out) without changing any program's requirements.
 */
export const currentRequestOwner: FiberRef.FiberRef<string> = FiberRef.unsafeMake("")

/** Runs `self` with its API requests counted against `owner`'s turns. */
export const withRequestOwner =
  (owner: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.locally(self, currentRequestOwner, owner)
