// A tiny path router: patterns like "/api/stacks/:org/:project/:stack" matched segment by
// segment. Literal segments win over parameters so ".../updates/latest/previews" is not
// swallowed by ".../updates/:id".

import type { Route } from './http.js'

export type Match =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' }

interface Compiled {
  route: Route
  segments: string[]
  literals: number
}

export class Router {
  private readonly routes: Compiled[] = []

  add(routes: Route[]): void {
    for (const route of routes) {
      const segments = route.pattern.split('/').slice(1)
      this.routes.push({
        route,
        segments,
        literals: segments.filter(s => !s.startsWith(':')).length
      })
    }
    // most specific first
    this.routes.sort((a, b) => b.literals - a.literals)
  }

  match(method: string, path: string): Match {
    const parts = path.split('/').slice(1)
    const allowed: string[] = []
    for (const c of this.routes) {
      const params = matchSegments(c.segments, parts)
      if (!params) continue
      if (c.route.method === method) return { kind: 'found', route: c.route, params }
      allowed.push(c.route.method)
    }
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' }
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? ''
    const v = parts[i] ?? ''
    if (p.startsWith(':')) {
      if (v === '') return undefined
      try {
        params[p.slice(1)] = decodeURIComponent(v)
      } catch {
        return undefined
      }
    } else if (p !== v) {
      return undefined
    }
  }
  return params
}
