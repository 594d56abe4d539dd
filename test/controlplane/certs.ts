import { execFile } from "node:child_process"
import { generateKeyPairSync } from "node:crypto"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

/** The PKI of one test control plane: file paths, all inside its data dir. */
export interface ControlPlaneCerts {
  readonly caFile: string
  readonly caKeyFile: string
  readonly serverCertFile: string
  readonly serverKeyFile: string
  /** Admin client certificate: O=system:masters, so RBAC lets it do anything. */
  readonly clientCertFile: string
  readonly clientKeyFile: string
  readonly serviceAccountKeyFile: string
  readonly serviceAccountPubFile: string
}

// An empty config, so `req -x509` adds only the extensions we ask for (the
// distribution default would mark every leaf certificate as a CA).
const minimalConfig = "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n"

/** Generates a CA, a serving cert for 127.0.0.1, an admin client cert and service-account keys. */
export const generateCerts = async (dir: string): Promise<ControlPlaneCerts> => {
  const file = (name: string) => join(dir, name)
  const configFile = file("openssl.cnf")
  await writeFile(configFile, minimalConfig)
  // EC keys: generated in milliseconds, which keeps startup fast.
  const req = (args: ReadonlyArray<string>) =>
    run("openssl", [
      "req",
      "-x509",
      "-config",
      configFile,
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "3650",
      ...args,
    ])
  const certs: ControlPlaneCerts = {
    caFile: file("ca.crt"),
    caKeyFile: file("ca.key"),
    serverCertFile: file("apiserver.crt"),
    serverKeyFile: file("apiserver.key"),
    clientCertFile: file("admin.crt"),
    clientKeyFile: file("admin.key"),
    serviceAccountKeyFile: file("sa.key"),
    serviceAccountPubFile: file("sa.pub"),
  }
  await req([
    ...["-keyout", certs.caKeyFile, "-out", certs.caFile, "-subj", "/CN=stageset-test-ca"],
    ...["-addext", "basicConstraints=critical,CA:TRUE"],
    ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ])
  const signed = ["-CA", certs.caFile, "-CAkey", certs.caKeyFile]
  const leaf = [
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-addext",
    "keyUsage=critical,digitalSignature",
  ]
  await Promise.all([
    req([
      ...[
        "-keyout",
        certs.serverKeyFile,
        "-out",
        certs.serverCertFile,
        "-subj",
        "/CN=kube-apiserver",
      ],
      ...signed,
      ...leaf,
      ...["-addext", "extendedKeyUsage=serverAuth"],
      // The in-cluster names too, so a pod-like client config would also verify.
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc",
    ]),
    req([
      ...["-keyout", certs.clientKeyFile, "-out", certs.clientCertFile],
      ...["-subj", "/O=system:masters/CN=stageset-test-admin"],
      ...signed,
      ...leaf,
      ...["-addext", "extendedKeyUsage=clientAuth"],
    ]),
  ])
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  await writeFile(certs.serviceAccountKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }))
  await writeFile(certs.serviceAccountPubFile, publicKey.export({ type: "spki", format: "pem" }))
  return certs
}
