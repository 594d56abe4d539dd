import { Schema } from "effect"

/**
 * An optional field with its description. Exact: absent stays absent, and an
 * explicit `undefined` is rejected, so decoded objects re-encode unchanged.
 */
export const optionalField = <A, I, R>(schema: Schema.Schema<A, I, R>, description: string) =>
  Schema.optionalWith(schema.annotations({ description }), { exact: true })

/**
 * An optional field with a default. The default lands twice from one value: as
 * `default` in the CRD (the API server fills it on write) and in decoding (the
 * InMemory client and local files get the same object the API server would
 * store), so programs never see the field missing.
 */
export const defaultedField = <A, I, R>(
  schema: Schema.Schema<A, I, R>,
  value: NoInfer<A>,
  description: string,
) =>
  Schema.optionalWith(schema.annotations({ description, default: value }), {
    exact: true,
    default: () => value,
  })
