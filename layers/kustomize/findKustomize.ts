/**
 * Where the kustomize binary is: `--kustomize-path` when given, else `kustomize` on PATH
 * (the image has it in /usr/local/bin), else the copy hack/build-kustomize.sh caches for
 * local runs and tests. Reads the environment, as only layers do.
 */
import { accessSync, constants } from "node:fs"
import { homedir } from "node:os"
import { delimiter, join, resolve } from "node:path"
import { Effect, Layer, Option } from "effect"
import type { Kustomize } from "../../src/programs/Kustomize.ts"
import { KustomizeLive } from "../Kustomize.live.ts"
import { KustomizeUnavailable } from "../Kustomize.unavailable.ts"

/** The version hack/build-kustomize.sh and the Dockerfile build; change the three together. */
export const KUSTOMIZE_VERSION = "5.8.1"

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The cached binary of hack/build-kustomize.sh. */
export const cachedKustomize = (): string =>
  join(
    process.env.STAGESET_CACHE_DIR ?? join(homedir(), ".cache", "stageset-controlplane"),
    `kustomize-${KUSTOMIZE_VERSION}`,
    "bin",
    "kustomize",
  )

/** The binary to run, if any. */
export const findKustomize = (
  explicit: Option.Option<string>,
): Effect.Effect<Option.Option<string>> =>
  Effect.sync(() => {
    // Absolute: builds run with an empty PATH.
    if (Option.isSome(explicit)) return Option.some(resolve(explicit.value))
    const onPath = (process.env.PATH ?? "")
      .split(delimiter)
      .filter((dir) => dir !== "")
      .map((dir) => resolve(dir, "kustomize"))
      .find(executable)
    if (onPath !== undefined) return Option.some(onPath)
    const cached = cachedKustomize()
    return executable(cached) ? Option.some(cached) : Option.none()
  })

/**
 * Kustomize over the binary found; without one, builds that need kustomize fail with
 * BuildFailed saying how to provide it (plain manifests need none).
 */
export const kustomizeLayer = (explicit: Option.Option<string>): Layer.Layer<Kustomize> =>
  Layer.unwrapEffect(
    Effect.map(findKustomize(explicit), (found) =>
      Option.match(found, {
        onNone: () =>
          KustomizeUnavailable(
            "no kustomize binary on PATH or in the cache; install kustomize or set --kustomize-path",
          ),
        onSome: (binary) => KustomizeLive({ binary }),
      }),
    ),
  )
