import { Schema } from "effect"

// Kubernetes validates names with these exact rules (IsDNS1123Label /
// IsDNS1123Subdomain); the patterns are RE2-compatible because the API server
// evaluates CRD patterns with Go's regexp.
const labelPattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"

/** Longest DNS-1123 label Kubernetes accepts. */
export const dns1123LabelMaxLength = 63

/** Longest DNS-1123 subdomain Kubernetes accepts. */
export const dns1123SubdomainMaxLength = 253

const invalid = (what: string, max: number) => (issue: { readonly actual: unknown }) => ({
  message: `must be a DNS-1123 ${what} (lowercase alphanumerics and '-'${what === "subdomain" ? " or '.'" : ""}, starting and ending with an alphanumeric, at most ${max} characters), got ${JSON.stringify(issue.actual)}`,
  override: true,
})

/** A DNS-1123 label: the shape of stage names and namespaces. */
export const Dns1123Label = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(dns1123LabelMaxLength),
  Schema.pattern(new RegExp(`^${labelPattern}$`)),
).annotations({
  description: "A DNS-1123 label.",
  message: invalid("label", dns1123LabelMaxLength),
})

/** A DNS-1123 subdomain: the shape of most object names. */
export const Dns1123Subdomain = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(dns1123SubdomainMaxLength),
  Schema.pattern(new RegExp(`^${labelPattern}(\\.${labelPattern})*$`)),
).annotations({
  description: "A DNS-1123 subdomain.",
  message: invalid("subdomain", dns1123SubdomainMaxLength),
})
