import { orgPath } from '../api/paths.js'
import { INVALID } from '../api/types.js'
import { readResourceSummary } from '../api/readers/organization.js'
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
  validate({ granularity, lookbackDays }) {
    if (granularity === 'hourly' && (lookbackDays ?? 0) > HOURLY_MAX_LOOKBACK_DAYS)
      throw new InputError(
        'lookback-days',
        `hourly granularity looks back at most ${HOURLY_MAX_LOOKBACK_DAYS} days; lower lookback-days or use daily`
      )
  },
  async run(context, { organization, granularity, lookbackDays }) {
    const chosen = granularity ?? 'daily'
    const days =
      lookbackDays ?? (chosen === 'hourly' ? HOURLY_MAX_LOOKBACK_DAYS : DEFAULT_LOOKBACK_DAYS)
    // 204 No Content: the organization has no resource data yet.
    const response = await context.api.getOptionalJson(
      orgPath(organization, 'resources', 'summary'),
      { granularity: chosen, lookbackDays: days },
      readResourceSummary
    )
    const buckets = response?.summary ?? []
    const newest = buckets.at(-1)?.resources ?? 0
    // A count the service sent as something else is shown as `invalid`, never made an output.
    if (newest === INVALID)
      context.warning(
        `The newest resource count of ${organization} was not a number; the output 'resources' is left empty.`
      )
    return {
      result: buckets,
      outputs: { count: buckets.length, resources: newest === INVALID ? '' : newest },
      summary: renderResourceSummary(organization, chosen, days, buckets)
    }
  }
})

export const resourceCommands: Command[] = [getResourceSummary]
