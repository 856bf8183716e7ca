import { orgPath } from '../api/paths.js'
import type { ResourceCountSummary, ResourceSummaryResponse } from '../api/types.js'
import { InputError } from '../input-parsers.js'
import { renderResourceSummary } from '../render/resources.js'
import { defineCommand, type Command } from './types.js'

const DEFAULT_LOOKBACK_DAYS = 30
/** The service limits hourly granularity to a 2-day lookback. */
const HOURLY_MAX_LOOKBACK_DAYS = 2

const getResourceSummary = defineCommand({
  name: 'get-resource-summary',
  area: 'resources',
  description:
    "Count an organization's resources under management over time (a table and a chart in the job summary).",
  required: ['organization'],
  optional: ['granularity', 'lookbackDays'],
  mutates: false,
  outputs: {
    count: 'Number of periods (points) returned.',
    resources: 'Resources under management in the newest period.'
  },
  async run(context, { organization, granularity, lookbackDays }) {
    const chosen = granularity ?? 'daily'
    if (chosen === 'hourly' && (lookbackDays ?? 0) > HOURLY_MAX_LOOKBACK_DAYS)
      throw new InputError(
        'lookback-days',
        `hourly granularity looks back at most ${HOURLY_MAX_LOOKBACK_DAYS} days; lower lookback-days or use daily`
      )
    const days =
      lookbackDays ?? (chosen === 'hourly' ? HOURLY_MAX_LOOKBACK_DAYS : DEFAULT_LOOKBACK_DAYS)
    // 204 No Content: the organization has no resource data yet.
    const response = await context.api.getOptionalJson<ResourceSummaryResponse>(
      orgPath(organization, 'resources', 'summary'),
      { granularity: chosen, lookbackDays: days }
    )
    const buckets: ResourceCountSummary[] = Array.isArray(response?.summary) ? response.summary : []
    return {
      result: buckets,
      outputs: { count: buckets.length, resources: buckets.at(-1)?.resources ?? 0 },
      summary: renderResourceSummary(organization, chosen, days, buckets)
    }
  }
})

export const resourceCommands: Command[] = [getResourceSummary]
