import { Duration, Effect, Exit, Stream } from "effect"
import type { KubeClientApi } from "../../src/kube/KubeClient.ts"
import type { KubeError } from "../../src/kube/KubeError.ts"
import { applyObject } from "./ApplyOp.ts"
import { type Core, performWrite, type WriteRequest } from "./Core.ts"
import { deleteObject } from "./DeleteOp.ts"
import { type Call, isDenied, rbacVerb, takeFault } from "./Faults.ts"
import type { WriteVerb } from "./InMemoryDriver.ts"
import { getObject, listObjects, metadataView, select } from "./ReadOps.ts"
import { present } from "./Resolve.ts"
import { findServed, preferredInfos, toResourceInfo } from "./ResourceTable.ts"
import { runOp } from "./runOp.ts"
import { forbidden, requestLine, unknownResource } from "./ServerErrors.ts"
import { watchChanges } from "./WatchHub.ts"
import {
  createObject,
  type OpContext,
  updateObject,
  updateStatusObject,
  type WriteOutcome,
} from "./WriteOps.ts"

/** The KubeClientApi of the in-memory server, acting as `identity`. */

const methods: Record<Call["verb"], string> = {
  apply: "PATCH",
  create: "POST",
  update: "PUT",
  updateStatus: "PUT",
  delete: "DELETE",
  get: "GET",
  list: "GET",
  watch: "GET",
  discover: "GET",
  resources: "GET",
}

const requestOf = (core: Core, call: Call): string => {
  if (call.verb === "resources") return "GET /apis"
  const def = findServed(core.store.table, call.apiVersion, call.kind)
  const plural = def?.plural ?? `${call.kind.toLowerCase()}s`
  const namespace = def?.namespaced === false ? undefined : call.namespace
  const sub = call.verb === "updateStatus" ? "status" : undefined
  return requestLine(methods[call.verb], call.apiVersion, plural, namespace, call.name, sub)
}

export const makeClient = (core: Core, identity: string): KubeClientApi => {
  /** Latency, scripted faults, denied identities and the request log around one call. */
  const guarded = <A>(call: Call, body: Effect.Effect<A, KubeError>): Effect.Effect<A, KubeError> =>
    Effect.gen(function* () {
      if (Duration.greaterThan(core.faults.latency, Duration.zero))
        yield* Effect.sleep(core.faults.latency)
      const request = requestOf(core, call)
      const injected = takeFault(core.faults, "before", call, request)
      let result: Exit.Exit<A, KubeError>
      if (injected !== undefined) result = Exit.fail(injected)
      else if (isDenied(core.faults, call)) {
        const def = findServed(core.store.table, call.apiVersion, call.kind)
        const group = def?.group ?? ""
        const plural =
          (def?.plural ?? `${call.kind.toLowerCase()}s`) +
          (call.verb === "updateStatus" ? "/status" : "")
        const namespace = def?.namespaced === false ? undefined : call.namespace
        result = Exit.fail(
          forbidden(
            identity,
            rbacVerb(call.verb),
            { group, plural },
            namespace,
            call.name,
            request,
          ),
        )
      } else {
        result = yield* Effect.exit(body)
        const lost = Exit.isSuccess(result)
          ? takeFault(core.faults, "after", call, request)
          : undefined
        if (lost !== undefined) result = Exit.fail(lost)
      }
      core.requests.push({
        seq: ++core.counters.request,
        verb: call.verb,
        apiVersion: call.apiVersion,
        kind: call.kind,
        ...(call.namespace === undefined ? {} : { namespace: call.namespace }),
        ...(call.name === undefined ? {} : { name: call.name }),
        identity,
        outcome: Exit.isSuccess(result)
          ? "ok"
          : result.cause._tag === "Fail"
            ? result.cause.error._tag
            : "KubeTransport",
      })
      return yield* result
    })

  const callOf = (
    verb: Call["verb"],
    ref: { readonly apiVersion: string; readonly kind: string },
    namespace?: string,
    name?: string,
  ): Call => ({
    verb,
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
    identity,
  })

  const write = (
    verb: WriteVerb,
    call: Call,
    operation: (ctx: OpContext) => WriteOutcome,
    dryRun = false,
  ): Effect.Effect<WriteOutcome, KubeError> => {
    const request: WriteRequest = { verb, identity, origin: "client", dryRun }
    return guarded(call, performWrite(core, request, operation))
  }

  const presented = (outcome: WriteOutcome) => present(outcome.object, outcome.target.apiVersion)

  return {
    apply: (object, options) =>
      write(
        "apply",
        callOf("apply", object, object.metadata.namespace, object.metadata.name),
        (ctx) => applyObject(ctx, object, options),
        options.dryRun === true,
      ).pipe(Effect.map(presented)),
    create: (object) =>
      write(
        "create",
        callOf("create", object, object.metadata.namespace, object.metadata.name),
        (ctx) => createObject(ctx, object),
      ).pipe(Effect.map(presented)),
    update: (object) =>
      write(
        "update",
        callOf("update", object, object.metadata.namespace, object.metadata.name),
        (ctx) => updateObject(ctx, object),
      ).pipe(Effect.map(presented)),
    updateStatus: (object) =>
      write(
        "updateStatus",
        callOf("updateStatus", object, object.metadata.namespace, object.metadata.name),
        (ctx) => updateStatusObject(ctx, object),
      ).pipe(Effect.map(presented)),
    delete: (key, options) =>
      write("delete", callOf("delete", key, key.namespace, key.name), (ctx) =>
        deleteObject(ctx, key, options),
      ).pipe(Effect.asVoid),
    get: (key) =>
      guarded(
        callOf("get", key, key.namespace, key.name),
        runOp(() => getObject(core.store, key)),
      ),
    list: (kind, options) =>
      guarded(
        callOf("list", kind, options?.namespace),
        runOp(() => listObjects(core.store, kind, options)),
      ),
    watch: (kind, options) =>
      Stream.unwrap(
        guarded(
          callOf("watch", kind, options.namespace),
          runOp(() => select(core.store, kind, options, "GET")).pipe(
            Effect.map((selection) => watchChanges(core, selection, options.resourceVersion)),
          ),
        ),
      ).pipe((events) =>
        options.metadataOnly
          ? Stream.map(events, (event) =>
              event.type === "BOOKMARK" ? event : { ...event, object: metadataView(event.object) },
            )
          : events,
      ),
    discover: (apiVersion, kind) =>
      guarded(
        callOf("discover", { apiVersion, kind }),
        runOp(() => {
          const def = findServed(core.store.table, apiVersion, kind)
          if (def === undefined)
            throw unknownResource(requestOf(core, callOf("discover", { apiVersion, kind })))
          return toResourceInfo(def, apiVersion.slice(apiVersion.indexOf("/") + 1))
        }),
      ),
    resources: () =>
      guarded(
        callOf("resources", { apiVersion: "v1", kind: "" }),
        Effect.sync(() => preferredInfos(core.store.table)),
      ),
    invalidateDiscovery: Effect.void,
    impersonate: (username) => makeClient(core, username),
  }
}
