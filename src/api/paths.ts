/** A fully qualified stack: organization, project and stack name. */
export interface StackRef {
  organization: string
  project: string
  stack: string
}

/** Joins path segments, percent-encoding each one so names can never escape their segment. */
export function apiPath(...segments: (string | number)[]): string {
  return `/api/${segments.map(segment => encodeURIComponent(String(segment))).join('/')}`
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
