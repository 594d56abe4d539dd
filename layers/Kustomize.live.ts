/**
 * Kustomize through its own binary (built from its Go module, shipped in the image): the
 * files are written to a fresh temp dir under the artifact caps, and `kustomize build` runs
 * there with an environment of its own: no plugins (no --enable-alpha-plugins, no
 * --enable-exec, no --enable-helm), files only from inside each kustomization's root
 * (LoadRestrictionsRootOnly), no PATH (so no git for remote bases), and HTTP(S) proxies
 * that refuse every connection, so nothing reaches the network even if a remote resource
 * slipped past the checks done before. Output and time are capped.
 */
import { Command, CommandExecutor, FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { Duration, Effect, Layer, Stream } from "effect"
import { defaultArtifactLimits } from "../src/programs/ArtifactFetcher.ts"
import { Kustomize } from "../src/programs/Kustomize.ts"
import { BuildFailed } from "../src/render/BuildFailed.ts"
import { buildInputKey } from "../src/render/kustomize/buildInputKey.ts"
import { bytesOf, checkTree } from "../src/render/kustomize/checkTree.ts"
import type { ManifestFile } from "../src/render/ManifestFile.ts"

export interface KustomizeLiveOptions {
  /** Path of the kustomize binary. */
  readonly binary: string
  /** How long one build may run. Default 1 minute. */
  readonly timeout?: Duration.DurationInput
  /** Most bytes a build may print. Default 64 MiB, the cap on an artifact's extracted files. */
  readonly maxOutputBytes?: number
  /** Caps on the files written (per file, in total). Default: the artifact caps of api.md. */
  readonly entryBytes?: number
  readonly extractedBytes?: number
}

/** Builds whose output is kept (least recently used go first), within the output cap in total. */
const CACHED_BUILDS = 64
/** What of kustomize's complaints a message keeps; the start says what is wrong. */
const STDERR_BYTES = 8 * 1024
/** Answers every connection attempt with a refusal: the discard port on loopback, never served. */
const NO_PROXY_SERVER = "http://127.0.0.1:9"

class OutputTooLarge {
  readonly _tag = "OutputTooLarge"
}

const shown = (dir: string) => (dir === "" ? "./" : `./${dir}`)

export const makeKustomizeLive = (options: KustomizeLiveOptions) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const executor = yield* CommandExecutor.CommandExecutor
    const timeout = Duration.decode(options.timeout ?? "1 minute")
    const maxOutput = options.maxOutputBytes ?? defaultArtifactLimits.extractedBytes
    const limits = {
      entryBytes: options.entryBytes ?? defaultArtifactLimits.entryBytes,
      extractedBytes: options.extractedBytes ?? defaultArtifactLimits.extractedBytes,
    }

    const failed = (dir: string, message: string) =>
      new BuildFailed({ file: shown(dir), index: undefined, message })

    const writeTree = (root: string, files: ReadonlyArray<ManifestFile>) =>
      Effect.forEach(
        files,
        (file) => {
          const target = `${root}/${file.path}`
          return fs
            .makeDirectory(target.slice(0, target.lastIndexOf("/")), { recursive: true })
            .pipe(Effect.zipRight(fs.writeFile(target, bytesOf(file))))
        },
        { discard: true },
      )

    const run = (work: string, root: string, dir: string) =>
      Effect.gen(function* () {
        const command = Command.make(
          options.binary,
          "build",
          dir === "" ? "." : dir,
          "--load-restrictor",
          "LoadRestrictionsRootOnly",
        ).pipe(
          Command.workingDirectory(root),
          Command.env(
            {
              HOME: `${work}/home`,
              XDG_CONFIG_HOME: `${work}/home/.config`,
              PATH: "",
              HTTP_PROXY: NO_PROXY_SERVER,
              HTTPS_PROXY: NO_PROXY_SERVER,
              http_proxy: NO_PROXY_SERVER,
              https_proxy: NO_PROXY_SERVER,
              NO_PROXY: "",
              no_proxy: "",
            },
            { extendEnv: false },
          ),
        )
        const process = yield* executor.start(command)
        const [stdout, stderr, exitCode] = yield* Effect.all(
          [
            Stream.runFoldEffect(
              process.stdout,
              { chunks: [] as Array<Uint8Array>, size: 0 },
              ({ chunks, size }, chunk) => {
                if (size + chunk.length > maxOutput) return Effect.fail(new OutputTooLarge())
                chunks.push(chunk)
                return Effect.succeed({ chunks, size: size + chunk.length })
              },
            ),
            Stream.runFold(process.stderr, "", (text, chunk) =>
              text.length >= STDERR_BYTES ? text : text + Buffer.from(chunk).toString("utf8"),
            ),
            process.exitCode,
          ],
          { concurrency: "unbounded" },
        )
        // kustomize names files by their absolute path; the temp dir means nothing to a user.
        const complaint = stderr
          .slice(0, STDERR_BYTES)
          .replaceAll(`${root}/`, "")
          .replaceAll(root, ".")
          .trim()
        if (exitCode !== 0)
          return yield* failed(
            dir,
            `kustomize build ${shown(dir)} failed: ${complaint.replace(/^Error: /, "") || `exit code ${exitCode}`}`,
          )
        return Buffer.concat(stdout.chunks).toString("utf8")
      })

    // Same inputs, same output: the binary is pinned, without network or plugins. A no-op
    // reconcile then costs a hash instead of a temp dir and a process.
    const cache = new Map<string, string>()
    const remember = (key: string, output: string) => {
      cache.delete(key)
      cache.set(key, output)
      let total = 0
      for (const value of cache.values()) total += value.length
      for (const [oldest, value] of cache) {
        if (cache.size <= CACHED_BUILDS && total <= maxOutput) break
        cache.delete(oldest)
        total -= value.length
      }
    }

    const build = (files: ReadonlyArray<ManifestFile>, dir: string) =>
      Effect.suspend(() => {
        const key = buildInputKey(files, dir)
        const cached = cache.get(key)
        return cached === undefined
          ? Effect.tap(runBuild(files, dir), (output) => Effect.sync(() => remember(key, output)))
          : Effect.succeed(cached)
      })

    const runBuild = (files: ReadonlyArray<ManifestFile>, dir: string) =>
      Effect.gen(function* () {
        const refused = checkTree(files, limits)
        if (refused !== undefined) return yield* refused
        const work = yield* fs.makeTempDirectoryScoped({ prefix: "stageset-kustomize-" })
        const root = `${work}/tree`
        yield* fs.makeDirectory(`${work}/home`, { recursive: true })
        yield* fs.makeDirectory(root, { recursive: true })
        yield* writeTree(root, files)
        return yield* run(work, root, dir)
      }).pipe(
        Effect.scoped,
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            failed(
              dir,
              `kustomize build ${shown(dir)} did not finish within ${Duration.format(timeout)}`,
            ),
        }),
        Effect.catchTags({
          OutputTooLarge: () =>
            Effect.fail(
              failed(dir, `kustomize build ${shown(dir)} printed more than ${maxOutput} bytes`),
            ),
          SystemError: (error) =>
            Effect.fail(
              failed(
                dir,
                error.reason === "NotFound" && error.module === "Command"
                  ? `the kustomize binary ${options.binary} was not found (set --kustomize-path)`
                  : `kustomize build ${shown(dir)} could not run: ${error.message}`,
              ),
            ),
          BadArgument: (error) =>
            Effect.fail(
              failed(dir, `kustomize build ${shown(dir)} could not run: ${error.message}`),
            ),
        }),
        Effect.withSpan("kustomizeBuild", { attributes: { dir: shown(dir), files: files.length } }),
      )

    return Kustomize.of({ build })
  })

/** Kustomize through the binary at `options.binary`. */
export const KustomizeLive = (options: KustomizeLiveOptions) =>
  Layer.effect(Kustomize, makeKustomizeLive(options)).pipe(Layer.provide(NodeContext.layer))
