import { orgPath, stackName, stackPath, type StackRef } from '../api/paths.js'
import { readDeliveries, readPing, readWebhook, readWebhooks } from '../api/readers/organization.js'
import type { Webhook } from '../api/types.js'
import { webhookFormat, type Format, type WebhookFormat } from '../input-catalog.js'
import { InputError } from '../input-parsers.js'
import {
  renderDeliveries,
  renderPing,
  renderWebhook,
  renderWebhookDeleted,
  renderWebhookList,
  renderWebhookUpdate,
  type FieldChange
} from '../render/webhooks.js'
import { defineCommand, type Command, type CommandOutcome } from './types.js'

/** Where the webhooks live: an organization, or one stack. */
interface HookScope {
  organization: string
  stack?: StackRef
  /** `/api/orgs/{org}/hooks/...` or `/api/stacks/{o}/{p}/{s}/hooks/...`, each segment encoded. */
  path(...rest: string[]): string
  label: string
}

function scopeOf(
  command: string,
  organization: string | undefined,
  stack: StackRef | undefined
): HookScope {
  if (stack !== undefined) {
    // A stack webhook lives in the stack's organization; an organization input that says
    // otherwise is a mistake (as for team permissions), caught before sending.
    if (organization !== undefined && organization !== stack.organization) {
      throw new InputError(
        'stack',
        `${stackName(stack)} is not in the organization ${organization}; drop 'organization' or give a stack of that organization`
      )
    }
    return {
      organization: stack.organization,
      stack,
      path: (...rest) => stackPath(stack, 'hooks', ...rest),
      label: stackName(stack)
    }
  }
  if (organization === undefined) {
    throw new InputError(
      'organization',
      `is required by ${command} (or set 'stack' for a stack webhook)`
    )
  }
  return {
    organization,
    path: (...rest) => orgPath(organization, 'hooks', ...rest),
    label: organization
  }
}

/**
 * The webhook payload format of the `format` input. The service only accepts the
 * deployments format on stack (and environment) webhooks.
 */
function checkFormat(scope: HookScope, raw: Format | undefined): WebhookFormat | undefined {
  const format = raw === undefined ? undefined : webhookFormat(raw)
  if (format === 'pulumi_deployments' && scope.stack === undefined) {
    throw new InputError(
      'format',
      "'pulumi_deployments' works only on stack webhooks; set 'stack' or choose raw, slack or ms_teams"
    )
  }
  return format
}

/**
 * A webhook safe to put in `result`: never a secret, even if a service echoed one, nor the
 * secret's ciphertext (useless to a workflow, and not something to spread through logs).
 */
function withoutSecret<T extends { secret?: string; secretCiphertext?: string }>(
  hook: T
): Omit<T, 'secret' | 'secretCiphertext'> {
  const rest: T = { ...hook }
  delete rest.secret
  delete rest.secretCiphertext
  return rest
}

const SCOPE_INPUTS = ['organization', 'stack'] as const

const createWebhook = defineCommand({
  name: 'create-webhook',
  area: 'webhooks',
  description:
    'Create an organization webhook, or a stack webhook when stack is set; the secret is masked.',
  required: ['displayName', 'payloadUrl'],
  optional: [...SCOPE_INPUTS, 'secret', 'active', 'format', 'filters'],
  mutates: true,
  outputs: { webhook: 'Name of the new webhook (for the other webhook commands).' },
  async run(context, inputs) {
    const scope = scopeOf('create-webhook', inputs.organization, inputs.stack)
    const format = checkFormat(scope, inputs.format)
    const body: Webhook = {
      organizationName: scope.organization,
      displayName: inputs.displayName,
      payloadUrl: inputs.payloadUrl,
      active: inputs.active ?? true,
      ...(scope.stack ? { projectName: scope.stack.project, stackName: scope.stack.stack } : {}),
      ...(format === undefined ? {} : { format }),
      ...(inputs.filters === undefined ? {} : { filters: inputs.filters }),
      ...(inputs.secret === undefined ? {} : { secret: inputs.secret })
    }
    const created = await context.writeJson('POST', scope.path(), readWebhook, body)
    const shown = created.sent
      ? created.response
      : { ...withoutSecret(body), hasSecret: inputs.secret !== undefined }
    const outputs: CommandOutcome['outputs'] =
      created.sent && created.response.name !== undefined ? { webhook: created.response.name } : {}
    return {
      result: withoutSecret(shown),
      outputs,
      summary: renderWebhook(scope.label, shown, created.sent ? 'Created' : 'Would create')
    }
  }
})

const listWebhooks = defineCommand({
  name: 'list-webhooks',
  area: 'webhooks',
  description: "List an organization's webhooks, or a stack's when stack is set.",
  required: [],
  optional: [...SCOPE_INPUTS],
  mutates: false,
  outputs: { count: 'Number of webhooks.' },
  async run(context, { organization, stack }) {
    const scope = scopeOf('list-webhooks', organization, stack)
    const hooks = await context.api.getJson(scope.path(), {}, readWebhooks)
    const list = hooks.map(withoutSecret)
    return {
      result: list,
      outputs: { count: list.length },
      summary: renderWebhookList(scope.label, list)
    }
  }
})

const getWebhook = defineCommand({
  name: 'get-webhook',
  area: 'webhooks',
  description: 'Get one webhook (organization, or stack when stack is set).',
  required: ['webhook'],
  optional: [...SCOPE_INPUTS],
  mutates: false,
  outputs: {},
  async run(context, { organization, stack, webhook }) {
    const scope = scopeOf('get-webhook', organization, stack)
    const hook = withoutSecret(await context.api.getJson(scope.path(webhook), {}, readWebhook))
    return { result: hook, summary: renderWebhook(scope.label, hook) }
  }
})

function describeFilters(filters: string[] | undefined): string {
  return filters === undefined || filters.length === 0 ? 'all events' : filters.join(', ')
}

const updateWebhook = defineCommand({
  name: 'update-webhook',
  area: 'webhooks',
  description:
    'Change a webhook: reads it, merges the given display-name, payload-url, secret, active, format and filters, and sends the full object.',
  required: ['webhook'],
  optional: [...SCOPE_INPUTS, 'displayName', 'payloadUrl', 'secret', 'active', 'format', 'filters'],
  mutates: true,
  outputs: {},
  async run(context, inputs) {
    const scope = scopeOf('update-webhook', inputs.organization, inputs.stack)
    const { displayName, payloadUrl, secret, active, filters } = inputs
    const format = checkFormat(scope, inputs.format)
    if ([displayName, payloadUrl, secret, active, format, filters].every(v => v === undefined)) {
      throw new InputError(
        'webhook',
        'update-webhook needs at least one of display-name, payload-url, secret, active, format, filters'
      )
    }
    const path = scope.path(inputs.webhook)
    const current = await context.api.getJson(path, {}, readWebhook)
    // The PATCH replaces the whole webhook, so every field the inputs leave out keeps its current value.
    const next: Webhook = {
      organizationName: current.organizationName,
      name: current.name ?? inputs.webhook,
      displayName: displayName ?? current.displayName,
      payloadUrl: payloadUrl ?? current.payloadUrl,
      active: active ?? current.active,
      format: format ?? current.format ?? 'raw',
      filters: filters ?? current.filters ?? [],
      groups: current.groups ?? [],
      ...(current.projectName === undefined ? {} : { projectName: current.projectName }),
      ...(current.stackName === undefined ? {} : { stackName: current.stackName }),
      ...(current.envName === undefined ? {} : { envName: current.envName }),
      ...(secret === undefined ? {} : { secret })
    }
    if (current.hasSecret === true && secret === undefined) {
      context.warning(
        `Webhook ${inputs.webhook} has a secret, which the service never returns, so the full update is sent without one and the service may drop it; set the input 'secret' to keep deliveries signed.`
      )
    }
    const changes: FieldChange[] = []
    const compare = (field: string, before: string, after: string): void => {
      if (before !== after) changes.push({ field, before, after })
    }
    compare('displayName', current.displayName, next.displayName)
    compare('payloadUrl', current.payloadUrl, next.payloadUrl)
    compare('active', String(current.active), String(next.active))
    compare('format', current.format ?? 'raw', next.format ?? 'raw')
    compare('filters', describeFilters(current.filters), describeFilters(next.filters))
    if (secret !== undefined)
      changes.push({
        field: 'secret',
        before: current.hasSecret ? 'set' : 'none',
        after: 'set (new value)'
      })
    const updated = await context.writeJson('PATCH', path, readWebhook, next)
    const shown = updated.sent
      ? updated.response
      : {
          ...withoutSecret(next),
          hasSecret: secret !== undefined || current.hasSecret === true
        }
    return {
      result: withoutSecret(shown),
      summary: renderWebhookUpdate(scope.label, shown, changes, context.dryRun)
    }
  }
})

const deleteWebhook = defineCommand({
  name: 'delete-webhook',
  area: 'webhooks',
  description: 'Delete a webhook (organization, or stack when stack is set).',
  required: ['webhook'],
  optional: [...SCOPE_INPUTS],
  mutates: true,
  outputs: {},
  async run(context, { organization, stack, webhook }) {
    const scope = scopeOf('delete-webhook', organization, stack)
    await context.write('DELETE', scope.path(webhook))
    return {
      result: { scope: scope.label, webhook, deleted: !context.dryRun },
      summary: renderWebhookDeleted(scope.label, webhook, context.dryRun)
    }
  }
})

const pingWebhook = defineCommand({
  name: 'ping-webhook',
  area: 'webhooks',
  description: "Send a test delivery to a webhook and report the endpoint's response code.",
  required: ['webhook'],
  optional: [...SCOPE_INPUTS],
  mutates: true,
  outputs: { status: "The endpoint's HTTP response code to the ping." },
  async run(context, { organization, stack, webhook }) {
    const scope = scopeOf('ping-webhook', organization, stack)
    const ping = await context.writeJson('POST', scope.path(webhook, 'ping'), readPing)
    const delivery = ping.sent ? ping.response : undefined
    if (delivery !== undefined && (delivery.responseCode < 200 || delivery.responseCode >= 300)) {
      context.warning(
        `The endpoint of webhook ${webhook} answered the ping with ${delivery.responseCode}; check its payload URL and that it accepts POST.`
      )
    }
    const outputs: CommandOutcome['outputs'] =
      delivery === undefined ? {} : { status: delivery.responseCode }
    return {
      result: delivery ?? { scope: scope.label, webhook },
      outputs,
      summary: renderPing(webhook, delivery)
    }
  }
})

const listWebhookDeliveries = defineCommand({
  name: 'list-webhook-deliveries',
  area: 'webhooks',
  description: 'List recent deliveries of a webhook with their response codes.',
  required: ['webhook'],
  optional: [...SCOPE_INPUTS],
  mutates: false,
  outputs: { count: 'Number of deliveries.' },
  async run(context, { organization, stack, webhook }) {
    const scope = scopeOf('list-webhook-deliveries', organization, stack)
    const list = await context.api.getJson(scope.path(webhook, 'deliveries'), {}, readDeliveries)
    return {
      result: list,
      outputs: { count: list.length },
      summary: renderDeliveries(webhook, list)
    }
  }
})

export const webhookCommands: Command[] = [
  createWebhook,
  listWebhooks,
  getWebhook,
  updateWebhook,
  deleteWebhook,
  pingWebhook,
  listWebhookDeliveries
]
