/**
 * The one rule for organization, project and stack names, shared by the input parsers, the
 * API readers and the file names of an export. Pulumi's own pattern (pulumi/pulumi
 * `tokens.NameRegexpPattern`, `[A-Za-z_.][A-Za-z0-9_.-]*`) allows names starting with `_` or
 * `.`; the service also lets organizations start with a digit. Nothing in such a name can
 * break out of a URL segment, a GITHUB_OUTPUT line or markdown code.
 */
const PULUMI_NAME = /^[A-Za-z0-9_.-]{1,100}$/

/** What the messages say a name may hold. */
export const PULUMI_NAME_RULE = "letters, digits, '-', '_' and '.'; at most 100 characters"

/**
 * True for a name Pulumi would accept. `.` and `..` are refused whatever the pattern allows:
 * a URL parser removes them as path segments, so they would address another resource.
 */
export function isPulumiName(name: string): boolean {
  return PULUMI_NAME.test(name) && name !== '.' && name !== '..'
}
