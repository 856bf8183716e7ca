import { INVALID, type Webhook, type WebhookDelivery } from '../api/types.js'
import { cell, code, heading, table } from './escape.js'
import { formatTime } from './markdown.js'

/** The fields of a webhook the summaries show: never its secret. */
type WebhookView = Omit<Webhook, 'secret' | 'secretCiphertext' | 'organizationName'>

/** An identifier as code, or an empty cell when there is none (not a stray pair of backticks). */
function codeOrEmpty(value: string | undefined): string {
  return value === undefined || value === '' ? '' : code(value)
}

function hookRow(hook: WebhookView): string[] {
  return [
    codeOrEmpty(hook.name),
    cell(hook.displayName),
    cell(hook.payloadUrl),
    cell(hook.format ?? 'raw'),
    hook.active ? 'yes' : 'no',
    cell((hook.filters ?? []).join(', ') || 'all events'),
    hook.hasSecret === undefined ? '' : hook.hasSecret ? 'yes' : 'no'
  ]
}

const HOOK_HEADERS = [
  'Name',
  'Display name',
  'Payload URL',
  'Format',
  'Active',
  'Filters',
  'Secret'
]

export function renderWebhookList(scope: string, hooks: WebhookView[]): string {
  const title = heading(3, `Webhooks of ${cell(scope)}: ${hooks.length}`)
  if (hooks.length === 0) return `${title}No webhooks.\n`
  return title + table(HOOK_HEADERS, hooks.map(hookRow))
}

export type WebhookAction = 'Created' | 'Would create' | 'Updated' | 'Would update' | undefined

export function renderWebhook(scope: string, hook: WebhookView, action?: WebhookAction): string {
  const title = `${action === undefined ? 'Webhook' : `${action} webhook`} ${cell(hook.name ?? hook.displayName)} of ${cell(scope)}`
  return heading(3, title) + table(HOOK_HEADERS, [hookRow(hook)])
}

export interface FieldChange {
  field: string
  before: string
  after: string
}

/** An update: the webhook after it, then what changed (the secret only as "changed"). */
export function renderWebhookUpdate(
  scope: string,
  hook: WebhookView,
  changes: FieldChange[],
  dryRun: boolean
): string {
  const markdown = renderWebhook(scope, hook, dryRun ? 'Would update' : 'Updated')
  if (changes.length === 0) return `${markdown}\nNo field changed value.\n`
  return `${markdown}\n${heading(4, 'Changes')}${table(
    ['Field', 'Before', 'After'],
    changes.map(change => [code(change.field), cell(change.before), cell(change.after)])
  )}`
}

export function renderWebhookDeleted(scope: string, name: string, dryRun: boolean): string {
  return (
    heading(3, `${dryRun ? 'Would delete' : 'Deleted'} webhook ${cell(name)} of ${cell(scope)}`) +
    table(['Webhook', 'Scope'], [[code(name), cell(scope)]])
  )
}

function deliveryRow(delivery: WebhookDelivery): string[] {
  return [
    cell(formatTime(delivery.timestamp)),
    cell(delivery.kind),
    cell(delivery.requestUrl),
    // A code or duration that was not a number reads `invalid` (api/readers), never the value.
    String(delivery.responseCode),
    delivery.duration === INVALID ? INVALID : `${delivery.duration} ms`,
    codeOrEmpty(delivery.id)
  ]
}

const DELIVERY_HEADERS = ['Time', 'Kind', 'URL', 'Response', 'Duration', 'Delivery ID']

export function renderPing(
  name: string,
  delivery: (WebhookDelivery & { responseCode: number }) | undefined
): string {
  if (delivery === undefined) return heading(3, `Would ping webhook ${cell(name)}`)
  const ok = delivery.responseCode >= 200 && delivery.responseCode < 300
  return (
    heading(
      3,
      `Pinged webhook ${cell(name)}: ${ok ? 'delivered' : 'endpoint answered with an error'}`
    ) + table(DELIVERY_HEADERS, [deliveryRow(delivery)])
  )
}

export function renderDeliveries(name: string, deliveries: WebhookDelivery[]): string {
  const title = heading(3, `Deliveries of webhook ${cell(name)}: ${deliveries.length}`)
  if (deliveries.length === 0) return `${title}No deliveries yet.\n`
  return title + table(DELIVERY_HEADERS, deliveries.map(deliveryRow))
}
