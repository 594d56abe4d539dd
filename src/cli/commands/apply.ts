import { Command, Options } from "@effect/cli"
import { Console, Duration, Effect, Layer, Option } from "effect"
import { goDurationOption } from "../../flags/goDurationOption.ts"
import { recordMode } from "../../inventory/InventoryMode.ts"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import { actingAs } from "../../programs/actingIdentity.ts"
import { applyStage } from "../../programs/phases/applyStage.ts"
import { verifyStage } from "../../programs/phases/verifyStage.ts"
import { defaultReconcileConfig, ReconcileConfig } from "../../programs/ReconcileConfig.ts"
import type { RenderedStage } from "../../programs/RenderedStage.ts"
import type { StageSetView } from "../../programs/StageSetView.ts"
import { failure } from "../CliFailure.ts"
import { connect } from "../Cluster.ts"
import {
  clusterOptions,
  namespaceOption,
  sourceDirOption,
  stageSetArg,
  stagesOption,
} from "../flags.ts"
import { formatObjectName } from "../formatChanges.ts"
import { renderNamed } from "../renderNamed.ts"

/** Waiting without `--timeout`: the StageSet's own timeout ladder, then this. */
const DEFAULT_WAIT = Duration.minutes(5)

/** With `--timeout` given, it is every stage's verify timeout, whatever the StageSet sets. */
const withTimeout = (
  view: StageSetView,
  stage: RenderedStage,
): { readonly view: StageSetView; readonly stage: RenderedStage } => {
  const { timeout: _spec, ...rest } = view
  const { timeout: _stage, ...stageRest } = stage.stage
  const readyChecks =
    stageRest.readyChecks === undefined
      ? undefined
      : (({ timeout: _checks, ...checks }) => checks)(stageRest.readyChecks)
  return {
    view: rest,
    stage: {
      ...stage,
      stage: { ...stageRest, ...(readyChecks === undefined ? {} : { readyChecks }) },
    },
  }
}

export const applyCommand = Command.make(
  "apply",
  {
    ...clusterOptions,
    namespace: namespaceOption,
    stages: stagesOption,
    sourceDir: sourceDirOption,
    wait: Options.boolean("wait").pipe(
      Options.withDescription(
        "After each stage, wait until its objects are ready (kstatus) before the next.",
      ),
    ),
    timeout: goDurationOption(
      "timeout",
      DEFAULT_WAIT,
      "Per-stage readiness timeout with --wait (Go duration). Default: the StageSet's own timeouts, else 5m.",
    ).pipe(Options.optional),
    stageSet: stageSetArg,
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        const cluster = yield* connect(flags, flags.namespace)
        const { view, rendered } = yield* renderNamed(cluster, {
          name: flags.stageSet,
          stages: flags.stages,
          sourceDirs: flags.sourceDir,
        })
        const records = yield* Effect.flatMap(InventoryStore, (store) =>
          store.listStageSet(view.namespace, view.name),
        ).pipe(
          Effect.mapError((error) => failure(`cannot read the inventory: ${error.message}`)),
          Effect.provide(cluster.services),
        )
        const timeout = Option.getOrElse(flags.timeout, () => DEFAULT_WAIT)
        let applied = 0
        for (const stage of rendered) {
          const name = stage.stage.name
          const record = records.find((r) => r.stage === name)
          // The ApplySet label only where the stage's record is the ApplySet's parent: an
          // object must not claim a parent that does not exist yet.
          const mode = (record === undefined ? undefined : recordMode(record)) ?? "entries"
          const config = Layer.succeed(ReconcileConfig, {
            ...defaultReconcileConfig,
            inventoryMode: mode,
            defaultTimeout: timeout,
          })
          const result = yield* applyStage(view, stage, { reapply: true }).pipe(
            actingAs(view, stage.stage),
            Effect.mapError((error) => failure(`stage ${name}: ${error.message}`)),
            // The stage's own mode over the defaults the connection carries.
            Effect.provide(Layer.merge(cluster.services, config)),
          )
          applied += result.live.length
          yield* Console.log(
            [
              `stage "${name}": applied ${result.live.length} object(s)`,
              ...result.live.map(
                (o) =>
                  `  ${formatObjectName({ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace ?? "" })}`,
              ),
            ].join("\n"),
          )
          if (!flags.wait) continue
          const target = Option.isSome(flags.timeout) ? withTimeout(view, stage) : { view, stage }
          yield* verifyStage(target.view, target.stage, result.live).pipe(
            actingAs(view, stage.stage),
            Effect.mapError((error) => failure(`stage ${name}: ${error.message}`)),
            // The stage's own mode over the defaults the connection carries.
            Effect.provide(Layer.merge(cluster.services, config)),
          )
          yield* Console.log(`stage "${name}": ready`)
        }
        yield* Console.log(`applied ${applied} object(s) across ${rendered.length} stage(s)`)
      }),
    ),
).pipe(
  Command.withDescription(
    "Apply a StageSet's rendered stages in order, as the controller does (server-side apply under its field manager), with your credentials; no prune and no inventory writes. --wait waits for each stage to be ready before the next.",
  ),
)
