import { Schema } from "effect"
import { optionalField } from "./fields.ts"
import { Int64 } from "./Int64.ts"

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/** A link from a dependent object to its owner, as the garbage collector reads it. */
export const OwnerReference = Schema.Struct({
  apiVersion: Schema.String.annotations({ description: "API version of the owner." }),
  kind: Schema.String.annotations({ description: "Kind of the owner." }),
  name: Schema.String.annotations({ description: "Name of the owner." }),
  uid: Schema.String.annotations({ description: "UID of the owner." }),
  controller: optionalField(Schema.Boolean, "Whether the owner is the managing controller."),
  blockOwnerDeletion: optionalField(Schema.Boolean, "Whether the owner waits for this dependent."),
}).annotations({ description: "A reference to an owning object." })

export type OwnerReference = typeof OwnerReference.Type

/**
 * The part of metav1.ObjectMeta the controller reads and writes. `name` is
 * required because every object the controller handles has one (it never
 * creates with generateName). managedFields is left out on purpose: the
 * controller strips it, and decoding drops fields a schema does not name.
 * The CRDs do not use this schema: the API server owns metadata validation, so
 * the generated openAPI schema says only `type: object` there.
 */
export const ObjectMeta = Schema.Struct({
  name: Schema.String.annotations({ description: "Name, unique within the namespace." }),
  namespace: optionalField(Schema.String, "Namespace the object lives in."),
  generateName: optionalField(Schema.String, "Prefix the server uses to generate a name."),
  labels: optionalField(StringMap, "Labels for selecting the object."),
  annotations: optionalField(StringMap, "Non-identifying metadata."),
  uid: optionalField(Schema.String, "Server-assigned UID."),
  resourceVersion: optionalField(Schema.String, "Opaque version for optimistic concurrency."),
  generation: optionalField(Int64, "Sequence number of spec changes."),
  creationTimestamp: optionalField(Schema.String, "RFC 3339 time the object was created."),
  deletionTimestamp: optionalField(Schema.String, "RFC 3339 time deletion was requested."),
  deletionGracePeriodSeconds: optionalField(
    Schema.Int,
    "Seconds allowed for graceful termination.",
  ),
  finalizers: optionalField(Schema.Array(Schema.String), "Finalizers that block deletion."),
  ownerReferences: optionalField(Schema.Array(OwnerReference), "Objects this one depends on."),
}).annotations({ description: "Standard object metadata." })

export type ObjectMeta = typeof ObjectMeta.Type
