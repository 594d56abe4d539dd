/**
 * Values shorter than this are not searched for: redacting every "1" or "on" would make
 * messages unreadable, and such values are no secret worth the name.
 */
export const MIN_REDACTED_LENGTH = 4

/**
 * `message` with every occurrence of a `secret` value replaced by `(redacted)`: API server
 * and kustomize messages may echo field values that substitution took from a Secret.
 */
export const redact = (message: string, secrets: ReadonlyArray<string>): string =>
  [...new Set(secrets)]
    .filter((value) => value.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.length - a.length)
    .reduce((text, value) => text.replaceAll(value, "(redacted)"), message)
