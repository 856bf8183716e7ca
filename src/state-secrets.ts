/**
 * Pulumi state marks a secret as an object holding the secret signature key, with its
 * `ciphertext` (or, in an export made with --show-secrets or by a hostile service, its
 * `plaintext`). Such an object can sit at any depth of a stack output.
 */

const SECRET_SIGNATURE = '4dabf18193072939515e22adb298388d'

export function isSecretValue(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    SECRET_SIGNATURE in value
  )
}

/** Replaces every secret, at any depth, by `replace(secret)`. */
function mapSecrets(
  value: unknown,
  replace: (secret: Record<string, unknown>) => unknown
): unknown {
  if (isSecretValue(value)) return replace(value)
  if (Array.isArray(value)) return value.map(item => mapSecrets(item, replace))
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapSecrets(item, replace)])
    )
  return value
}

/** For outputs and files: a secret keeps its ciphertext, never its plaintext; else `[secret]`. */
export function withoutPlaintext(value: unknown): unknown {
  return mapSecrets(value, secret =>
    typeof secret.ciphertext === 'string'
      ? { [SECRET_SIGNATURE]: secret[SECRET_SIGNATURE], ciphertext: secret.ciphertext }
      : '[secret]'
  )
}

/** For summaries: every secret shows as `[secret]`. */
export function secretsHidden(value: unknown): unknown {
  return mapSecrets(value, () => '[secret]')
}

/** The plaintexts a state holds, so they can be masked and redacted wherever they appear. */
export function plaintexts(value: unknown): string[] {
  const found: string[] = []
  mapSecrets(value, secret => {
    if (typeof secret.plaintext === 'string') {
      found.push(secret.plaintext)
      // A plaintext is the JSON of the value: a string secret is also masked unquoted.
      try {
        const inner: unknown = JSON.parse(secret.plaintext)
        if (typeof inner === 'string') found.push(inner)
      } catch {
        // Not JSON: the raw text is what could leak.
      }
    }
    return undefined
  })
  return found
}
