import { fromStatus, type KubeError } from "../../src/kube/KubeError.ts"
import { parseApiVersion } from "../../src/kube/KubeObject.ts"
import { qualifiedKind, type ResourceDef, resourceName } from "./ResourceTable.ts"

/** The API server's error messages, built once here so every operation words them alike. */

/** `PATCH /apis/apps/v1/namespaces/ns/deployments/web`: the request line errors carry. */
export const requestLine = (
  method: string,
  apiVersion: string,
  plural: string,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string => {
  const { group, version } = parseApiVersion(apiVersion)
  const root = group === "" ? `/api/${version}` : `/apis/${group}/${version}`
  const scope = namespace === undefined || namespace === "" ? "" : `/namespaces/${namespace}`
  const object =
    name === undefined ? "" : `/${name}${subresource === undefined ? "" : `/${subresource}`}`
  return `${method} ${root}${scope}/${plural}${object}`
}

export const unknownResource = (request: string): KubeError =>
  fromStatus(404, "the server could not find the requested resource", request)

export const notFound = (def: ResourceDef, name: string, request: string): KubeError =>
  fromStatus(404, `${resourceName(def)} "${name}" not found`, request)

export const namespaceNotFound = (namespace: string, request: string): KubeError =>
  fromStatus(404, `namespaces "${namespace}" not found`, request)

export const alreadyExists = (def: ResourceDef, name: string, request: string): KubeError =>
  fromStatus(409, `${resourceName(def)} "${name}" already exists`, request, {
    reason: "AlreadyExists",
  })

export const staleConflict = (def: ResourceDef, name: string, request: string): KubeError =>
  fromStatus(
    409,
    `Operation cannot be fulfilled on ${resourceName(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    request,
    { reason: "Conflict" },
  )

export const uidPrecondition = (
  def: ResourceDef,
  name: string,
  wanted: string,
  actual: string,
  request: string,
): KubeError =>
  fromStatus(
    409,
    `Operation cannot be fulfilled on ${resourceName(def)} "${name}": Precondition failed: UID in precondition: ${wanted}, UID in object meta: ${actual}`,
    request,
    { reason: "Conflict" },
  )

export const applyConflict = (message: string, request: string): KubeError =>
  fromStatus(409, message, request, { reason: "Conflict" })

export const invalid = (
  def: ResourceDef,
  name: string,
  detail: string,
  request: string,
): KubeError => fromStatus(422, `${qualifiedKind(def)} "${name}" is invalid: ${detail}`, request)

export const badRequest = (message: string, request: string): KubeError =>
  fromStatus(400, message, request)

export const terminatingNamespace = (
  def: ResourceDef,
  name: string,
  namespace: string,
  request: string,
): KubeError =>
  fromStatus(
    403,
    `${resourceName(def)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    request,
  )

export const terminatingCrd = (request: string): KubeError =>
  fromStatus(405, "create not allowed while custom resource definition is terminating", request)

/** RBAC's denial, as the authorizer words it. */
export const forbidden = (
  user: string,
  verb: string,
  def: { readonly group: string; readonly plural: string },
  namespace: string | undefined,
  name: string | undefined,
  request: string,
): KubeError => {
  const resource = def.group === "" ? def.plural : `${def.plural}.${def.group}`
  const subject = name === undefined ? resource : `${resource} "${name}"`
  const where =
    namespace === undefined || namespace === ""
      ? "at the cluster scope"
      : `in the namespace "${namespace}"`
  return fromStatus(
    403,
    `${subject} is forbidden: User "${user}" cannot ${verb} resource "${def.plural}" in API group "${def.group}" ${where}`,
    request,
  )
}
