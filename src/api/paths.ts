/** A fully qualified stack: organization, project and stack name. */
export interface StackRef {
  organization: string
  project: string
  stack: string
  /**
   * Set for a listed stack whose name Pulumi would not allow: why it fails. Its names are
   * percent-encoded then, and no request, path or output is made from them.
   */
  refused?: string
}

/**
 * Joins path segments, percent-encoding each one so names can never escape their segment.
 * `.` and `..` survive encoding (and URL parsing removes them, even as `%2e%2e`), so they
 * would address another resource: they are refused, whatever their origin.
 */
export function apiPath(...segments: (string | number)[]): string {
  return `/api/${segments.map(segment => encodeSegment(String(segment), segments)).join('/')}`
}

function encodeSegment(segment: string, segments: (string | number)[]): string {
  if (segment === '.' || segment === '..') {
    throw new Error(
      `'${segment}' cannot be a name in the API path /api/${segments.join('/')}: it would address another resource; check the names given to the action and returned by the service`
    )
  }
  return encodeURIComponent(segment)
}

export function stackPath(ref: StackRef, ...rest: (string | number)[]): string {
  return apiPath('stacks', ref.organization, ref.project, ref.stack, ...rest)
}

export function orgPath(organization: string, ...rest: (string | number)[]): string {
  return apiPath('orgs', organization, ...rest)
}

export function stackName(ref: StackRef): string {
  return `${ref.organization}/${ref.project}/${ref.stack}`
}
