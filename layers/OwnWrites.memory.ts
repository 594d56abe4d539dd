import { Deferred, Effect, Layer } from "effect"
import { OwnWrites } from "../src/controller/OwnWrites.ts"
import type { KubeObject } from "../src/kube/KubeObject.ts"

/** How many resourceVersions are remembered per object: a reconcile writes a StageSet's status a few times in a row. */
const KEEP = 8

interface Written {
  /** Our writes of the object still in flight. */
  readonly pending: Set<Deferred.Deferred<void>>
  /** The resourceVersions our last writes returned, newest last. */
  versions: ReadonlyArray<string>
}

/** OwnWrites in process memory; the only implementation. Each layer build starts empty. */
export const OwnWritesMemory = Layer.sync(OwnWrites, () => {
  const byObject = new Map<string, Written>()
  const keyOf = (object: KubeObject) =>
    `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`
  const entry = (key: string) => {
    const found = byObject.get(key)
    if (found !== undefined) return found
    const created: Written = { pending: new Set(), versions: [] }
    byObject.set(key, created)
    return created
  }
  return OwnWrites.of({
    track: (object, write) =>
      Effect.gen(function* () {
        const key = keyOf(object)
        const done = yield* Deferred.make<void>()
        entry(key).pending.add(done)
        return yield* write.pipe(
          Effect.tap((written) =>
            Effect.sync(() => {
              const version = written.metadata.resourceVersion
              if (version === undefined) return
              const e = entry(key)
              e.versions = [...e.versions, version].slice(-KEEP)
            }),
          ),
          Effect.ensuring(
            Effect.suspend(() => {
              byObject.get(key)?.pending.delete(done)
              return Deferred.succeed(done, undefined)
            }),
          ),
        )
      }),
    isOwn: (object) =>
      Effect.gen(function* () {
        const written = byObject.get(keyOf(object))
        const version = object.metadata.resourceVersion
        if (written === undefined || version === undefined) return false
        yield* Effect.forEach([...written.pending], Deferred.await, { discard: true })
        return written.versions.includes(version)
      }),
    forget: (object) =>
      Effect.sync(() => {
        const key = keyOf(object)
        if (byObject.get(key)?.pending.size === 0) byObject.delete(key)
      }),
  })
})
