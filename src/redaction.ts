/**
 * The secrets this run knows (tokens, the webhook secret, the OIDC ID token, created token
 * values), redacted from every string before it is escaped for markdown or the log. The
 * runner's own masker only matches a secret as it was registered: once escaped
 * (`whsec\_Abc\*`) or encoded it would slip past, so redaction must come first.
 */

const REDACTED = '***'
/** Shorter values would redact ordinary words; the runner's masker ignores them too. */
const MIN_SECRET_LENGTH = 4

const known = new Set<string>()
/** Longest first, so a secret that contains another is replaced whole. */
let ordered: string[] = []

/** Remembers a secret and the forms it takes inside JSON and URLs. */
export function rememberSecret(secret: string | undefined): void {
  if (secret === undefined) return
  const value = secret.trim()
  if (value.length < MIN_SECRET_LENGTH) return
  const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]
  let added = false
  for (const form of forms) {
    if (form.length >= MIN_SECRET_LENGTH && !known.has(form)) {
      known.add(form)
      added = true
    }
  }
  if (added) ordered = [...known].sort((a, b) => b.length - a.length)
}

/** `value` with every known secret replaced by `***`. */
export function redact(value: string): string {
  let out = value
  for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(REDACTED)
  return out
}

/** Forgets every secret (tests run several actions in one process). */
export function forgetSecrets(): void {
  known.clear()
  ordered = []
}
