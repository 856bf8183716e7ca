/**
 * The gate as commands use it, in one place so every command that gates (list-previews,
 * get-update, list-update-events, and later run-deployment) reads the same inputs and sets
 * the same outputs: GATE_INPUTS for a command's `optional`, GATE_OUTPUTS for its `outputs`,
 * gateRules from its inputs, gateOutputs for its outcome.
 */
import {
  evaluateGate,
  type FailOn,
  type GateInput,
  type GateRules,
  type GateVerdict
} from '../gate.js'
import { renderGate } from '../render/gate.js'
import type { CommandOutcome } from './types.js'

export const GATE_INPUTS = ['failOn', 'allow', 'protect'] as const

export const GATE_OUTPUTS: Record<string, string> = {
  'has-changes': 'true when the preview or update creates, updates, deletes or replaces anything.',
  creates: 'Resources it creates (imports included).',
  updates: 'Resources it updates.',
  deletes: 'Resources it deletes (replacements not included).',
  replaces: 'Resources it replaces.',
  'policy-violations': 'Policy violations of all levels.',
  gate: 'passed or failed with fail-on or protect set; none without.',
  'gate-reasons': 'Why the gate failed, one line each (empty when it passed).'
}

export function gateRules(inputs: {
  failOn?: FailOn[] | undefined
  allow?: string[] | undefined
  protect?: string[] | undefined
}): GateRules {
  return { failOn: inputs.failOn ?? [], allow: inputs.allow ?? [], protect: inputs.protect ?? [] }
}

export interface GateReport {
  verdict: GateVerdict
  outputs: Record<string, string | number | boolean>
  /** The verdict in markdown, to start the summary and the comment with. */
  markdown: string
}

export function gateReport(stack: string, input: GateInput, rules: GateRules): GateReport {
  const verdict = evaluateGate(input, rules)
  const { counts } = verdict
  return {
    verdict,
    outputs: {
      'has-changes': verdict.hasChanges,
      creates: counts.creates,
      updates: counts.updates,
      deletes: counts.deletes,
      replaces: counts.replaces,
      'policy-violations': counts.policyViolations,
      gate: verdict.verdict,
      'gate-reasons': verdict.trips.map(trip => trip.reason).join('\n')
    },
    markdown: renderGate(stack, verdict)
  }
}

/** The outcome's gate, for main to fail the step with after the comment is written. */
export function outcomeGate(report: GateReport): NonNullable<CommandOutcome['gate']> {
  return {
    verdict: report.verdict.verdict,
    reasons: report.verdict.trips.map(trip => trip.reason)
  }
}
