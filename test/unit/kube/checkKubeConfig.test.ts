import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { checkKubeConfig, kubeConfigServer } from "../../../src/kube/checkKubeConfig.ts"

const kubeconfig = (
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
  current = "c",
) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "k", cluster: { server: "https://remote.example:6443", ...cluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
    "current-context": current,
  })

const problem = (text: string) =>
  Either.match(checkKubeConfig(text), { onLeft: (p) => p, onRight: () => "ok" })

describe("checkKubeConfig", () => {
  it("accepts a self-contained kubeconfig: a token, client certificate data, basic auth", () => {
    expect(problem(kubeconfig({ token: "abc" }, { "certificate-authority-data": "Q0E=" }))).toBe(
      "ok",
    )
    expect(
      problem(kubeconfig({ "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" })),
    ).toBe("ok")
    expect(problem(kubeconfig({ username: "u", password: "p" }))).toBe("ok")
  })

  it("refuses plugins and files, naming the field and never quoting its value", () => {
    const cases: ReadonlyArray<
      readonly [Record<string, unknown>, Record<string, unknown>, string]
    > = [
      [{ exec: { command: "/bin/helper-x" } }, {}, "users[0].user.exec"],
      [
        { "auth-provider": { name: "oidc", config: { "id-token": "helper-x" } } },
        {},
        "users[0].user.auth-provider",
      ],
      [
        { "client-certificate": "/helper-x/cert", "client-key-data": "a2V5" },
        {},
        "users[0].user.client-certificate",
      ],
      [{ "client-key": "/helper-x/key" }, {}, "users[0].user.client-key"],
      [{ tokenFile: "/helper-x/token" }, {}, "users[0].user.tokenFile"],
      [
        { "token-file": "/var/run/secrets/kubernetes.io/serviceaccount/token" },
        {},
        "users[0].user.token-file",
      ],
      [
        { token: "t" },
        { "certificate-authority": "/helper-x/ca" },
        "clusters[0].cluster.certificate-authority",
      ],
      [{ token: "t" }, { "proxy-url": "http://helper-x:3128" }, "clusters[0].cluster.proxy-url"],
    ]
    for (const [user, cluster, field] of cases) {
      const found = problem(kubeconfig(user, cluster))
      expect(found, field).toContain(field)
      expect(found, field).not.toContain("helper-x")
      expect(found, field).not.toContain("/var/run")
    }
  })

  it("refuses what does not name a cluster to reach", () => {
    expect(problem("not: [valid")).toBe("is not valid YAML")
    expect(problem("- a list")).toBe("is not a kubeconfig (not a mapping)")
    expect(problem(kubeconfig({ token: "t" }, {}, ""))).toBe("has no current-context")
    expect(problem(kubeconfig({ token: "t" }, {}, "other"))).toBe(
      "has no context named by current-context",
    )
  })

  it("reads the server of the current context", () => {
    expect(kubeConfigServer(kubeconfig({ token: "t" }))).toBe("https://remote.example:6443")
  })
})
