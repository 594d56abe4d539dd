/** What a kubeconfig Secret for a test cluster embeds (base64 where kubeconfigs want it). */
export interface EmbeddedCredentials {
  readonly caData?: string
  readonly certData?: string
  readonly keyData?: string
  readonly token?: string
}

/**
 * A self-contained kubeconfig (nothing read from files, no plugins), as a tenant puts it in
 * the Secret `spec.kubeConfig.secretRef` names. JSON is valid YAML.
 */
export const embeddedKubeconfig = (server: string, credentials: EmbeddedCredentials): string =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "remote",
        cluster: {
          server,
          ...(credentials.caData === undefined
            ? {}
            : { "certificate-authority-data": credentials.caData }),
        },
      },
    ],
    users: [
      {
        name: "tenant",
        user: {
          ...(credentials.certData === undefined
            ? {}
            : { "client-certificate-data": credentials.certData }),
          ...(credentials.keyData === undefined ? {} : { "client-key-data": credentials.keyData }),
          ...(credentials.token === undefined ? {} : { token: credentials.token }),
        },
      },
    ],
    contexts: [{ name: "remote", context: { cluster: "remote", user: "tenant" } }],
    "current-context": "remote",
  })
