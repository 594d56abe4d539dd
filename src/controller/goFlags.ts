/**
 * The command line of the public Go stageset-controller, as this controller reads it
 * (api.md, "Compatibility with the public Go implementation"): its flags for features we
 * have mean the same here, its boolean flags may be given bare as Go's flag package
 * allows, and its flags for features we do not have are refused by name, never ignored.
 */

/** Why each flag of the Go implementation that this controller lacks is refused. */
const refusedGoFlags: Readonly<Record<string, string>> = {
  "allowed-action-hosts": "stage actions are not supported",
  "object-level-kms": "SOPS decryption is not supported",
  "require-verified-migration-sources": "migrations are not supported",
  "require-pinned-migration-sources": "migrations are not supported",
  "require-image-verification": "image verification is not supported",
  "image-verification-trusted-root": "image verification is not supported",
  "image-verification-insecure-registry": "image verification is not supported",
  "tracing-endpoint": "OTLP trace export is not supported",
  "tracing-insecure": "OTLP trace export is not supported",
  "tracing-sample-ratio": "OTLP trace export is not supported",
  "enable-webhook": "there is no admission webhook",
  "webhook-cert-mode": "there is no admission webhook",
  "webhook-cert-dir": "there is no admission webhook",
  "webhook-port": "there is no admission webhook",
  "webhook-cert-validity": "there is no admission webhook",
  "webhook-service-name": "there is no admission webhook",
  "webhook-service-namespace": "there is no admission webhook",
  "webhook-validating-config-name": "there is no admission webhook",
  "gate-bind-address": "there is no Flagger stage-gate endpoint",
  "enable-mcp": "there is no MCP server",
  "mcp-bind-address": "there is no MCP server",
  "mcp-allow-mutations": "there is no MCP server",
  "rollback-store-path": "rollback is not supported",
  "rollback-store-s3-endpoint": "rollback is not supported",
  "rollback-store-s3-bucket": "rollback is not supported",
  "rollback-store-s3-prefix": "rollback is not supported",
  "rollback-store-s3-region": "rollback is not supported",
  "rollback-store-s3-use-ssl": "rollback is not supported",
  "rollback-store-s3-access-key": "rollback is not supported",
  "rollback-store-s3-secret-key": "rollback is not supported",
  "rollback-store-s3-session-token": "rollback is not supported",
  "rollback-store-s3-anonymous": "rollback is not supported",
  "rollback-store-s3-sse": "rollback is not supported",
  "rollback-store-s3-sse-kms-key": "rollback is not supported",
}

/** Boolean flags of both implementations: Go's flag package lets them stand bare. */
const booleanFlags: ReadonlySet<string> = new Set(["leader-elect"])

/** The values Go's strconv.ParseBool accepts, in the order `--help` lists them. */
export const goBooleanSpellings = [
  "true",
  "false",
  "1",
  "0",
  "t",
  "f",
  "T",
  "F",
  "TRUE",
  "FALSE",
  "True",
  "False",
] as const

/** What each of `goBooleanSpellings` means. */
export const goBoolean = (spelling: string): boolean =>
  ["true", "1", "t", "T", "TRUE", "True"].includes(spelling)

/** `--name` or `--name=value` -> `name`; anything else (a value, a short option) -> undefined. */
const flagName = (arg: string): string | undefined => {
  const match = /^--([A-Za-z0-9][-A-Za-z0-9]*)(=.*)?$/.exec(arg)
  return match?.[1]
}

/** Sentences naming each Go-only flag on the command line, or nothing when none is there. */
export const refusedFlags = (args: ReadonlyArray<string>): ReadonlyArray<string> =>
  args.flatMap((arg) => {
    const name = flagName(arg)
    const why = name === undefined ? undefined : refusedGoFlags[name]
    return why === undefined
      ? []
      : [
          `--${name} is a flag of the Go stageset-controller that this controller does not have (${why}); remove it`,
        ]
  })

/**
 * Writes bare boolean flags (`--leader-elect`) as `--leader-elect=true`, which is what
 * they mean to Go's flag package; `--leader-elect=false` and our own `--leader-elect
 * false` stay as they are.
 */
export const expandBareBooleans = (args: ReadonlyArray<string>): ReadonlyArray<string> =>
  args.map((arg, i) => {
    const name = flagName(arg)
    if (name === undefined || arg.includes("=") || !booleanFlags.has(name)) return arg
    const next = args[i + 1]
    return next !== undefined && (goBooleanSpellings as ReadonlyArray<string>).includes(next)
      ? arg
      : `${arg}=true`
  })
