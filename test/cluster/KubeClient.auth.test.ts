import { chmod, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { KubeConfig } from "@kubernetes/client-node"
import { ConfigProvider, Effect, Layer } from "effect"
import { inject } from "vitest"
import { makeKubeClientLive } from "../../layers/KubeClient.live.ts"
import { loadKubeConfig } from "../../layers/live/loadKubeConfig.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import { generateCerts } from "../controlplane/certs.ts"
import {
  kubeconfigWithUser,
  serviceAccountToken,
  tempDir,
} from "./fixtures/serviceAccountKubeconfig.ts"
import { LiveKubeClient, testNamespace } from "./support.ts"

const clientFor = (path: string) =>
  Effect.flatMap(loadKubeConfig({ kubeconfigPath: path, homeConfig: false }), ({ kubeconfig }) =>
    makeKubeClientLive({ kubeconfig }),
  )

layer(LiveKubeClient, { excludeTestServices: true })("KubeClient live: authentication", (it) => {
  it.scoped("bearer tokens, from the kubeconfig and from an exec plugin; a bad token is 401", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("auth")
      yield* kube.create({
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "robot", namespace: ns },
      })
      const token = yield* serviceAccountToken(ns, "robot")
      const dir = yield* tempDir
      const identity = `system:serviceaccount:${ns}:robot`

      const withToken = yield* clientFor(yield* kubeconfigWithUser(dir, { token }))
      const denied = yield* Effect.flip(
        withToken.list({ apiVersion: "v1", kind: "ConfigMap" }, { namespace: ns }),
      )
      // Authenticated as the ServiceAccount (403 names it), not anonymous (401).
      expect(denied._tag).toBe("KubeForbidden")
      expect(denied.message).toContain(identity)

      const plugin = join(dir, "credential-plugin.sh")
      const credential = {
        apiVersion: "client.authentication.k8s.io/v1",
        kind: "ExecCredential",
        status: { token },
      }
      yield* Effect.promise(async () => {
        await writeFile(plugin, `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify(credential)}\nJSON\n`)
        await chmod(plugin, 0o755)
      })
      const withExec = yield* clientFor(
        yield* kubeconfigWithUser(dir, {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: plugin,
            interactiveMode: "Never",
          },
        }),
      )
      const execDenied = yield* Effect.flip(
        withExec.list({ apiVersion: "v1", kind: "ConfigMap" }, { namespace: ns }),
      )
      expect(execDenied.message).toContain(identity)

      const withBadToken = yield* clientFor(
        yield* kubeconfigWithUser(dir, { token: "not-a-token" }),
      )
      const unauthorized = yield* Effect.flip(
        withBadToken.get({ apiVersion: "v1", kind: "Namespace", name: ns }),
      )
      expect(unauthorized._tag).toBe("KubeForbidden")
      if (unauthorized._tag === "KubeForbidden") expect(unauthorized.status).toBe(401)
    }),
  )

  it.scoped(
    "the server's certificate is verified against the kubeconfig's CA on every pooled connection",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        // Another control plane's PKI: its CA never signed this API server's certificate.
        const strangers = yield* Effect.promise(() => generateCerts(dir))
        const admin = new KubeConfig()
        admin.loadFromFile(inject("kubeconfig"))
        const cluster = admin.getCurrentCluster()!
        const user = admin.getCurrentUser()!
        const path = join(dir, "kubeconfig-other-ca")
        const kubeconfig = (ca: string) => ({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            { name: "c", cluster: { server: cluster.server, "certificate-authority": ca } },
          ],
          users: [
            {
              name: "u",
              user: {
                ...(user.certFile ? { "client-certificate": user.certFile } : {}),
                ...(user.keyFile ? { "client-key": user.keyFile } : {}),
                ...(user.certData ? { "client-certificate-data": user.certData } : {}),
                ...(user.keyData ? { "client-key-data": user.keyData } : {}),
              },
            },
          ],
          contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
          "current-context": "ctx",
        })
        yield* Effect.promise(() => writeFile(path, JSON.stringify(kubeconfig(strangers.caFile))))
        const untrusted = yield* clientFor(path)
        const refused = yield* Effect.flip(
          untrusted.get({ apiVersion: "v1", kind: "Namespace", name: "default" }),
        )
        expect(refused._tag).toBe("KubeTransport")
        expect(refused.message).toMatch(/certificate/)
      }),
  )

  it.scoped(
    "resolution order: --kubeconfig, then KUBECONFIG; no silent ~/.kube/config when disabled",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const real = inject("kubeconfig")
        const env = (map: Record<string, string>) =>
          Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(map))))
        // Several files: merged, and the first one that names a current-context wins.
        const other = join(dir, "other-kubeconfig")
        yield* Effect.promise(() =>
          writeFile(
            other,
            JSON.stringify({
              apiVersion: "v1",
              kind: "Config",
              clusters: [{ name: "other", cluster: { server: "https://127.0.0.1:1" } }],
              users: [{ name: "other", user: {} }],
              contexts: [{ name: "other", context: { cluster: "other", user: "other" } }],
              "current-context": "other",
            }),
          ),
        )
        const fromEnv = yield* loadKubeConfig({ homeConfig: false }).pipe(
          Effect.provide(env({ KUBECONFIG: `${real}:${other}` })),
        )
        const admin = new KubeConfig()
        admin.loadFromFile(real)
        expect(fromEnv.kubeconfig.getCurrentContext()).toBe(admin.getCurrentContext())
        expect(fromEnv.kubeconfig.getContextObject("other")).not.toBeNull()
        expect(fromEnv.origin).toBe("KUBECONFIG")
        const flag = yield* loadKubeConfig({ kubeconfigPath: real }).pipe(
          Effect.provide(env({ KUBECONFIG: join(dir, "does-not-exist") })),
        )
        expect(flag.origin).toBe("flag")
        const nothing = yield* Effect.flip(
          loadKubeConfig({ homeConfig: false, inCluster: false }).pipe(Effect.provide(env({}))),
        )
        expect(nothing._tag).toBe("KubeConfigError")
        expect(nothing.message).toContain("no cluster configured")
        const badContext = yield* Effect.flip(
          loadKubeConfig({ kubeconfigPath: real, context: "nope" }),
        )
        expect(badContext.message).toContain('context "nope"')
      }),
  )
})
