import { INVALID, type ResourceCountSummary } from '../api/types.js'
import { cell, heading, mermaidText, table } from './escape.js'

/** The chart shows at most this many of the newest buckets; more would be unreadable. */
export const MAX_CHART_POINTS = 90

const pad = (value: number | undefined): string => String(value ?? 0).padStart(2, '0')

/**
 * A bucket's label: by the granularity asked for when known (a service that fills in more
 * time fields than the period needs still gets `2025` for yearly, `2025-03` for monthly),
 * otherwise from the time fields present.
 */
export function bucketLabel(bucket: ResourceCountSummary, granularity?: string): string {
  if (granularity === 'yearly') return String(bucket.year)
  if (granularity === 'monthly') return `${bucket.year}-${pad(bucket.month)}`
  if (bucket.weekNumber !== undefined) return `${bucket.year} W${pad(bucket.weekNumber)}`
  if (bucket.month === undefined) return String(bucket.year)
  const month = `${bucket.year}-${pad(bucket.month)}`
  if (bucket.day === undefined) return month
  const day = `${month}-${pad(bucket.day)}`
  return bucket.hour === undefined ? day : `${day} ${pad(bucket.hour)}:00`
}

/** A Mermaid xychart-beta (GitHub renders it) of resources under management per bucket. */
export function renderResourceChart(
  organization: string,
  buckets: ResourceCountSummary[],
  granularity?: string
): string {
  const shown = buckets.slice(-MAX_CHART_POINTS)
  const labels = shown
    .map(bucket => `"${mermaidText(bucketLabel(bucket, granularity))}"`)
    .join(', ')
  // A count that is not a number is drawn as 0; the table says `invalid`.
  const values = shown.map(bucket =>
    bucket.resources === INVALID ? 0 : Math.max(0, Math.round(bucket.resources))
  )
  const top = Math.max(1, ...values)
  return [
    '```mermaid',
    'xychart-beta',
    `  title "Resources under management - ${mermaidText(organization)}"`,
    `  x-axis [${labels}]`,
    `  y-axis "Resources" 0 --> ${Math.ceil(top * 1.1)}`,
    `  line [${values.join(', ')}]`,
    '```',
    ''
  ].join('\n')
}

export function renderResourceSummary(
  organization: string,
  granularity: string,
  lookbackDays: number,
  buckets: ResourceCountSummary[]
): string {
  const title = `Resources under management in ${cell(organization)}: ${granularity}, last ${lookbackDays} day${lookbackDays === 1 ? '' : 's'}`
  if (buckets.length === 0) return `${heading(3, title)}No resource data for this period.\n`
  const latest = buckets[buckets.length - 1]
  const note =
    buckets.length > MAX_CHART_POINTS
      ? `_The chart shows the newest ${MAX_CHART_POINTS} of ${buckets.length} points; the table has them all._\n\n`
      : ''
  return (
    heading(3, title) +
    `Now: **${latest?.resources ?? 0}** resources.\n\n` +
    renderResourceChart(organization, buckets, granularity) +
    '\n' +
    note +
    table(
      ['Period', 'Resources', 'Resource hours'],
      buckets.map(bucket => [
        cell(bucketLabel(bucket, granularity)),
        String(bucket.resources),
        bucket.resourceHours === undefined ? '' : String(bucket.resourceHours)
      ])
    )
  )
}
