// Resources-under-management summary. The hourly series is a deterministic function of the
// hour (growth + wobble from the seed's resourceUsage), aggregated per granularity:
// `resources` is the average over the bucket, `resourceHours` the sum.

import { mix } from '../generate.js'
import { badRequest, intParam, json, noContent, type Ctx, type Route } from '../http.js'
import { nowSeconds } from '../state.js'
import type { JsonObject, ResourceUsage } from '../types.js'
import { requireOrg } from './common.js'

const GRANULARITIES = ['yearly', 'monthly', 'weekly', 'daily', 'hourly'] as const
type Granularity = (typeof GRANULARITIES)[number]
/** hour 0 of the series: 2025-01-01T00:00:00Z */
const SERIES_EPOCH_HOUR = 1735689600 / 3600

export function resourcesAtHour(u: ResourceUsage, hour: number): number {
  const h = hour - SERIES_EPOCH_HOUR
  const trend = u.baseResources + (u.dailyGrowth * h) / 24
  const wobble =
    u.amplitude * Math.sin(h / 7) + (mix(hour) % Math.max(1, Math.round(u.amplitude / 4)))
  return Math.max(0, Math.round(trend + wobble))
}

/** Week of the year with Sunday as the first day (0-53), like strftime %U. */
function weekNumber(d: Date): number {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1)
  const yday = Math.floor((d.getTime() - start) / 86400000)
  return Math.floor((yday + 7 - d.getUTCDay()) / 7)
}

function bucketKey(d: Date, g: Granularity): string {
  const y = d.getUTCFullYear()
  switch (g) {
    case 'yearly':
      return `${y}`
    case 'monthly':
      return `${y}-${d.getUTCMonth()}`
    case 'weekly':
      return `${y}-w${weekNumber(d)}`
    case 'daily':
      return `${y}-${d.getUTCMonth()}-${d.getUTCDate()}`
    case 'hourly':
      return `${y}-${d.getUTCMonth()}-${d.getUTCDate()}-${d.getUTCHours()}`
  }
}

function bucketFields(d: Date, g: Granularity): JsonObject {
  const o: JsonObject = { year: d.getUTCFullYear() }
  if (g === 'weekly') {
    o['weekNumber'] = weekNumber(d)
    return o
  }
  if (g !== 'yearly') o['month'] = d.getUTCMonth() + 1
  if (g === 'daily' || g === 'hourly') o['day'] = d.getUTCDate()
  if (g === 'hourly') o['hour'] = d.getUTCHours()
  return o
}

function summary(ctx: Ctx) {
  const org = requireOrg(ctx)
  const gRaw = ctx.query.get('granularity')
  if (!gRaw) throw badRequest("Missing required parameter 'granularity'.")
  if (!(GRANULARITIES as readonly string[]).includes(gRaw))
    throw badRequest(`Invalid granularity '${gRaw}'.`)
  const g = gRaw as Granularity
  const lookbackDays = intParam(ctx, 'lookbackDays', "Invalid 'lookbackDays' value.")
  const lookbackStart = intParam(ctx, 'lookbackStart', "Invalid 'lookbackStart' value.")
  if ((lookbackDays === undefined) === (lookbackStart === undefined)) {
    throw badRequest('Exactly one of lookbackDays or lookbackStart must be provided.')
  }
  const now = nowSeconds()
  let start: number
  if (lookbackDays !== undefined) {
    if (lookbackDays <= 0) throw badRequest("Invalid 'lookbackDays' value. Must be positive.")
    if (g === 'hourly' && lookbackDays > 2)
      throw badRequest('Hourly granularity is limited to a 2-day lookback.')
    if (lookbackDays > 3660) throw badRequest("Invalid 'lookbackDays' value.")
    start = now - lookbackDays * 86400
  } else {
    const ls = lookbackStart ?? 0
    if (ls <= 0 || ls >= now || ls < now - 366 * 86400) {
      throw badRequest(
        "Invalid 'lookbackStart' value. Must be positive, in the past, and within the last year."
      )
    }
    if (g === 'hourly' && ls < now - 2 * 86400)
      throw badRequest('Hourly granularity is limited to a 2-day lookback.')
    start = ls
  }
  const usage = org.resourceUsage
  if (!usage) return noContent()
  const buckets = new Map<string, { fields: JsonObject; sum: number; n: number }>()
  for (let hour = Math.floor(start / 3600); hour <= Math.floor(now / 3600); hour++) {
    const d = new Date(hour * 3600 * 1000)
    const key = bucketKey(d, g)
    let b = buckets.get(key)
    if (!b) {
      b = { fields: bucketFields(d, g), sum: 0, n: 0 }
      buckets.set(key, b)
    }
    b.sum += resourcesAtHour(usage, hour)
    b.n++
  }
  const out = [...buckets.values()].map(b => ({
    ...b.fields,
    resources: Math.round(b.sum / b.n),
    resourceHours: b.sum
  }))
  return json(200, { summary: out })
}

export const resourceRoutes: Route[] = [
  { method: 'GET', pattern: '/api/orgs/:org/resources/summary', handler: summary }
]
