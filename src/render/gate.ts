/** The gate's verdict in markdown: first in the summary and the comment, never folded away. */
import type { GateVerdict } from '../gate.js'
import { code, text } from './escape.js'

/** At most this many tripped resources are listed; the rest are counted. */
const MAX_LISTED = 50

export function renderGate(stack: string, verdict: GateVerdict): string {
  if (verdict.verdict === 'none') return ''
  if (verdict.verdict === 'passed')
    return `> **✅ Gate passed** for ${text(stack)}: nothing it checks for was found.\n\n`
  const listed = verdict.trips.slice(0, MAX_LISTED).map(trip => {
    const what = trip.urn === undefined ? '' : ` ${code(trip.urn)}`
    return `> - ${text(trip.reason.replace(trip.urn === undefined ? '' : ` (${trip.urn})`, ''))}${what}`
  })
  const more = verdict.trips.length - listed.length
  return [
    `> **❌ Gate failed** for ${text(stack)}: ${verdict.trips.length} reason(s).`,
    '>',
    ...listed,
    ...(more > 0 ? [`> - …and ${more} more (see the gate-reasons output)`] : []),
    '',
    ''
  ].join('\n')
}

/** The verdict over several stacks, first in the job summary; each reason names its stack. */
export function renderGateOverall(
  verdict: 'passed' | 'failed',
  reasons: string[],
  stacks: number
): string {
  if (verdict === 'passed')
    return `> **✅ Gate passed** on all ${stacks} stack(s): nothing it checks for was found.\n\n`
  const listed = reasons.slice(0, MAX_LISTED).map(reason => `> - ${text(reason)}`)
  const more = reasons.length - listed.length
  return [
    `> **❌ Gate failed**: ${reasons.length} reason(s) over ${stacks} stack(s).`,
    '>',
    ...listed,
    ...(more > 0 ? [`> - …and ${more} more (see the gate-reasons output)`] : []),
    '',
    ''
  ].join('\n')
}
