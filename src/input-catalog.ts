/**
 * Every input the action takes: its name in action.yml, its description, its action.yml
 * default, and how it is parsed. action.yml and the README are generated from this list
 * (`npm run docs`), and a test fails when they drift apart.
 */
import {
  InputError,
  checkTagName,
  parseBoolean,
  parseChoice,
  parseExpiry,
  parseHttpUrl,
  parseInteger,
  parseEnvironmentVariables,
  parseGitCommit,
  parseGitRef,
  parseEnvironmentName,
  lines,
  parseList,
  parseMinutes,
  parseName,
  parsePathName,
  parsePermission,
  parseStacks,
  parseTags,
  parseTime,
  type StackPattern
} from './input-parsers.js'
import { FAIL_ON, type FailOn } from './gate.js'
import type { RunEvent } from './github/event.js'
import {
  PREVIEW_MATCH_MODES,
  defaultPreviewMode,
  previewSelector,
  type PreviewSelector
} from './preview-match.js'

export interface ParseContext {
  command: string
  organization?: string
  project?: string
  /** The GitHub event of this run (read once in readSettings). */
  event?: RunEvent
  /** The pr-number input. */
  prNumber?: number
}

export interface InputSpec<T> {
  name: string
  description: string
  /** The default written into action.yml (booleans always have one). */
  default?: string
  parse(raw: string, context: ParseContext): T
  /** The value when the input is not set, where it depends on the run (the event). */
  derive?: (context: ParseContext) => T
}

function spec<T>(
  name: string,
  description: string,
  parse: (raw: string, context: ParseContext) => T,
  defaultValue?: string
): InputSpec<T> {
  return defaultValue === undefined
    ? { name, description, parse }
    : { name, description, parse, default: defaultValue }
}

export type CommentMode = 'always' | 'on-change' | 'never'

/** `comment-on-pr`: true, on-change (only a preview or update that changes something), or false. */
function parseCommentMode(raw: string): CommentMode {
  if (raw.toLowerCase() === 'on-change') return 'on-change'
  if (/^(true|yes|on|1|false|no|off|0)$/i.test(raw))
    return parseBoolean('comment-on-pr', raw) ? 'always' : 'never'
  throw new InputError('comment-on-pr', `'${raw}' is not true, on-change or false`)
}

/** `fail-on`: a comma- or newline-separated list of FAIL_ON values. */
function parseFailOn(raw: string): FailOn[] {
  return [...new Set(parseList(raw).map(value => parseChoice('fail-on', value, FAIL_ON)))]
}

/** `allow` / `protect`: one type or URN glob per line. */
function parseGlobs(name: string) {
  return (raw: string): string[] => {
    const globs = lines(raw)
    for (const glob of globs)
      if (/\s/.test(glob))
        throw new InputError(
          name,
          `'${glob}' holds a space; give one resource type or URN glob per line`
        )
    return globs
  }
}

function selectorFor(mode: (typeof PREVIEW_MATCH_MODES)[number], context: ParseContext) {
  const event = context.event ?? { name: '' }
  return previewSelector(mode, event, context.prNumber)
}

const text = (raw: string): string => raw
const bool = (name: string) => (raw: string) => parseBoolean(name, raw)
const int = (name: string, min: number, max: number) => (raw: string) =>
  parseInteger(name, raw, min, max)
const choice =
  <T extends string>(name: string, choices: readonly T[]) =>
  (raw: string) =>
    parseChoice(name, raw, choices)

export const AUDIT_FORMATS = ['csv', 'cef'] as const
export const WEBHOOK_FORMATS = ['raw', 'slack', 'ms_teams', 'pulumi_deployments'] as const
export const ORG_ROLES = ['member', 'admin', 'billing-manager'] as const
export const MEMBER_ACTIONS = ['add', 'remove', 'promote', 'demote'] as const
export const GRANULARITIES = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const
export const TOKEN_FILTERS = ['active', 'expired', 'all'] as const
export const TEAM_TYPES = ['pulumi', 'github'] as const
export const OIDC_TOKEN_TYPES = ['organization', 'team', 'personal', 'runner'] as const
export const DEPLOYMENT_OPERATIONS = [
  'preview',
  'update',
  'refresh',
  'destroy',
  'detect-drift'
] as const

export type AuditFormat = (typeof AUDIT_FORMATS)[number]
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number]

export type Format = AuditFormat | WebhookFormat

/** The audit export format of a parsed `format` (an InputError if it is a webhook format). */
export function auditFormat(format: string): AuditFormat {
  return parseChoice('format', format, AUDIT_FORMATS)
}

/** The webhook payload format of a parsed `format` (an InputError if it is an audit format). */
export function webhookFormat(format: string): WebhookFormat {
  return parseChoice('format', format, WEBHOOK_FORMATS)
}

/**
 * `format` means the audit export format or the webhook payload format, by command; the
 * command narrows the value with auditFormat or webhookFormat.
 */
function parseFormat(raw: string, context: ParseContext): Format {
  return context.command === 'export-audit-logs' ? auditFormat(raw) : webhookFormat(raw)
}

/** Inputs every command reads. */
export const COMMON_INPUTS = {
  command: spec(
    'command',
    'The operation to run, e.g. export-stack, list-previews, set-stack-tags (see the README for all).',
    text
  ),
  accessToken: spec(
    'access-token',
    'Pulumi access token. Falls back to the PULUMI_ACCESS_TOKEN environment variable, then to OIDC login when oidc-token-type is set.',
    text
  ),
  apiUrl: spec(
    'api-url',
    'Pulumi Cloud API URL. Falls back to PULUMI_BACKEND_URL when it is an http(s) URL, then https://api.pulumi.com. A path prefix is kept.',
    raw => parseHttpUrl('api-url', raw)
  ),
  consoleUrl: spec(
    'console-url',
    'Pulumi Cloud console URL for links in summaries. Derived from the API URL when not set (api.pulumi.com -> app.pulumi.com).',
    raw => parseHttpUrl('console-url', raw)
  ),
  summary: spec('summary', 'Write a job summary.', bool('summary'), 'true'),
  timeoutSeconds: spec(
    'timeout-seconds',
    'Seconds to wait for a response (and between bytes of a download) before failing.',
    int('timeout-seconds', 1, 3600),
    '60'
  ),
  dryRun: spec(
    'dry-run',
    'For commands that change something: read what is needed and report the exact requests that would be sent, without sending them.',
    bool('dry-run'),
    'false'
  ),
  concurrency: spec(
    'concurrency',
    'How many stacks to work on at once when stack matches several.',
    int('concurrency', 1, 32),
    '4'
  ),
  failFast: spec(
    'fail-fast',
    'Stop at the first failing stack instead of finishing the others first.',
    bool('fail-fast'),
    'false'
  ),
  oidcTokenType: spec(
    'oidc-token-type',
    'Log in with GitHub OIDC instead of a stored token: organization, team, personal or runner. Needs `permissions: id-token: write`.',
    choice('oidc-token-type', OIDC_TOKEN_TYPES)
  ),
  oidcScope: spec(
    'oidc-scope',
    'Scope for the OIDC token exchange, e.g. team:platform or user:alice.',
    text
  ),
  oidcExpiration: spec(
    'oidc-expiration',
    'Lifetime in seconds of the token obtained with OIDC.',
    int('oidc-expiration', 1, 31_536_000)
  ),
  commentOnPr: spec(
    'comment-on-pr',
    'Post the rendered preview/update as one sticky comment per stack on the pull request (list-previews, list-update-events, get-update, run-deployment): true, false, or on-change (only where it changes something or the gate fails; a stack with no changes has its earlier comment deleted).',
    parseCommentMode,
    'false'
  ),
  githubToken: spec(
    'github-token',
    'Token for the pull request comment and github-deployment.',
    text,
    '${{ github.token }}'
  ),
  prNumber: spec(
    'pr-number',
    'Pull request to comment on, when the event is not a pull request.',
    int('pr-number', 1, 1e9)
  )
} satisfies Record<string, InputSpec<unknown>>

/** Inputs only some commands read; each command names the ones it needs. */
export const COMMAND_INPUTS = {
  organization: spec(
    'organization',
    'Pulumi organization. Also completes a stack given as project/stack or stack.',
    raw => parseName('organization', raw, 'organization')
  ),
  project: spec(
    'project',
    'Pulumi project. Completes a stack given as stack; filters list-stacks.',
    raw => parseName('project', raw, 'project')
  ),
  stack: spec(
    'stack',
    'Stack as org/project/stack (or project/stack, stack with organization/project). Several lines and * in the project and stack parts run the command per stack.',
    (raw, context): StackPattern[] => parseStacks(raw, context)
  ),
  version: spec(
    'version',
    'Stack version to export (default: the latest).',
    int('version', 1, 1e9)
  ),
  path: spec(
    'path',
    'export-stack: file (or, for several stacks, directory) to write; default under RUNNER_TEMP. import-stack: the export file to restore, or the directory holding manifest.json and the files export-stack wrote.',
    raw => {
      if (raw.includes('\0')) throw new InputError('path', 'contains a NUL character')
      return raw
    }
  ),
  pageSize: spec(
    'page-size',
    'Items per page (list-previews, list-updates).',
    int('page-size', 1, 1000)
  ),
  page: spec('page', 'Page number, from 1 (list-updates).', int('page', 1, 1e6)),
  tags: spec('tags', 'Stack tags as name=value lines, or a JSON object.', raw =>
    parseTags('tags', raw)
  ),
  toOrganization: spec('to-organization', 'Organization to transfer the stack to.', raw =>
    parseName('to-organization', raw, 'organization')
  ),
  startTime: spec(
    'start-time',
    'Audit events older than this: unix seconds or an ISO-8601 date.',
    raw => parseTime('start-time', raw)
  ),
  userFilter: spec('user-filter', 'Only audit events of this user.', text),
  eventFilter: spec('event-filter', 'Only audit events of this type, e.g. stack-deleted.', text),
  maxEvents: spec(
    'max-events',
    'Stop after this many audit events.',
    int('max-events', 1, 10_000_000)
  ),
  format: spec(
    'format',
    'export-audit-logs: csv or cef (default csv). Webhooks: raw, slack, ms_teams or pulumi_deployments.',
    parseFormat
  ),
  updateId: spec(
    'update-id',
    'Update ID (default for list-update-events: the latest update).',
    raw => parsePathName('update-id', raw, /^[A-Za-z0-9-]{1,64}$/, 'an update ID')
  ),
  tagName: spec(
    'tag-name',
    'Tag name (delete-stack-tag; with tag-value, a list-stacks filter).',
    raw => checkTagName('tag-name', raw)
  ),
  tagValue: spec('tag-value', 'Tag value to filter list-stacks by.', text),
  force: spec(
    'force',
    'delete-stack: delete even if the stack still has resources. cancel-update: without update-id, cancel whatever operation is running. import-stack: import even though the stack changed after the backup, or the file holds the state of another stack.',
    bool('force'),
    'false'
  ),
  timeoutMinutes: spec(
    'timeout-minutes',
    'How long to wait, in minutes (decimals allowed, e.g. 0.5): for run-deployment, wait-for-stack, import-stack and wait-if-busy. Default 60.',
    raw => parseMinutes('timeout-minutes', raw, 10_080)
  ),
  waitIfBusy: spec(
    'wait-if-busy',
    'Commands that change a stack: when an update is running on it, wait until it is free (up to timeout-minutes), then send the change once.',
    bool('wait-if-busy'),
    'false'
  ),
  operation: spec(
    'operation',
    'run-deployment: preview, update, refresh, destroy or detect-drift.',
    choice('operation', DEPLOYMENT_OPERATIONS)
  ),
  inheritSettings: spec(
    'inherit-settings',
    "run-deployment: start from the stack's saved deployment settings, the inputs overriding them.",
    bool('inherit-settings'),
    'true'
  ),
  gitRef: spec(
    'git-ref',
    "run-deployment: branch to deploy instead of the one in the stack's deployment settings (not with git-commit).",
    raw => parseGitRef('git-ref', raw)
  ),
  gitCommit: spec(
    'git-commit',
    "run-deployment: commit to deploy. Default on a pull_request event: the pull request's head commit.",
    raw => parseGitCommit('git-commit', raw)
  ),
  environmentVariables: spec(
    'environment-variables',
    'run-deployment: KEY=VALUE lines for the deployment; every value is masked and sent as a secret.',
    raw => parseEnvironmentVariables('environment-variables', raw)
  ),
  wait: spec(
    'wait',
    'run-deployment: follow the deployment to its end (logs, summary, outputs); false returns once it is queued.',
    bool('wait'),
    'true'
  ),
  githubDeployment: spec(
    'github-deployment',
    "run-deployment: mirror the run as a GitHub deployment to this environment (e.g. staging) of the commit deployed, with statuses in progress, then success, failure or error, linked to the Pulumi console. Needs github-token with permissions: deployments: write; GitHub refusing is a warning, never the step's failure.",
    raw => parseEnvironmentName('github-deployment', raw)
  ),
  username: spec('username', 'Pulumi user login.', raw =>
    parsePathName('username', raw, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'a user login')
  ),
  role: spec(
    'role',
    'Organization role: member, admin or billing-manager (add-member default: member).',
    choice('role', ORG_ROLES)
  ),
  team: spec('team', 'Team name.', raw => parseName('team', raw, 'project')),
  displayName: spec('display-name', 'Display name (team or webhook).', text),
  description: spec('description', 'Description (team or token).', text),
  teamType: spec(
    'team-type',
    'create-team: pulumi or github (default pulumi).',
    choice('team-type', TEAM_TYPES)
  ),
  githubTeamId: spec(
    'github-team-id',
    'create-team with team-type github: the GitHub team ID.',
    int('github-team-id', 1, Number.MAX_SAFE_INTEGER)
  ),
  memberAction: spec(
    'member-action',
    'update-team-membership: add, remove, promote or demote.',
    choice('member-action', MEMBER_ACTIONS)
  ),
  permission: spec(
    'permission',
    'Stack permission for a team: read, edit, admin (or 101, 102, 103).',
    raw => parsePermission('permission', raw)
  ),
  filter: spec(
    'filter',
    'list-tokens: active, expired or all (default active).',
    choice('filter', TOKEN_FILTERS)
  ),
  expires: spec(
    'expires',
    'create-token: 0 (never), unix seconds, an ISO date, or a duration such as 30d.',
    raw => parseExpiry('expires', raw)
  ),
  tokenId: spec('token-id', 'Access token ID.', raw =>
    parsePathName('token-id', raw, /^[A-Za-z0-9-]{1,64}$/, 'a token ID')
  ),
  webhook: spec('webhook', 'Webhook name.', raw =>
    parsePathName('webhook', raw, /^[A-Za-z0-9_.-]{1,100}$/, 'a webhook name')
  ),
  payloadUrl: spec('payload-url', 'Webhook payload URL (http or https).', raw =>
    parseHttpUrl('payload-url', raw)
  ),
  secret: spec('secret', 'Webhook secret used to sign deliveries. Masked.', text),
  active: spec(
    'active',
    'Webhook active: true or false (create default true; update keeps the current value).',
    bool('active')
  ),
  filters: spec('filters', 'Webhook event filters, one per line or comma-separated.', parseList),
  granularity: spec(
    'granularity',
    'get-resource-summary: hourly, daily, weekly, monthly or yearly (default daily).',
    choice('granularity', GRANULARITIES)
  ),
  matchPreview: {
    ...spec(
      'match-preview',
      "list-previews: which preview to render. commit: this pull request's preview of its head commit (ci.pr.number and ci.pr.headSHA or git.head in the preview's environment); pull-request: this pull request's newest preview; latest: the stack's newest preview. Default: commit on pull_request and pull_request_target events, latest elsewhere.",
      (raw, context): PreviewSelector =>
        selectorFor(parseChoice('match-preview', raw, PREVIEW_MATCH_MODES), context)
    ),
    derive: (context: ParseContext): PreviewSelector =>
      selectorFor(defaultPreviewMode(context.event ?? { name: '' }), context)
  },
  waitSeconds: spec(
    'wait-seconds',
    'list-previews: wait up to this long for the matching preview to exist and finish (it may run in a parallel job or a Pulumi Deployment), polling with backoff. 0: look once.',
    int('wait-seconds', 0, 21_600),
    '0'
  ),
  failOn: spec(
    'fail-on',
    'Gate (list-previews, get-update, list-update-events, run-deployment): fail the step when the preview or update has any of these, comma- or newline-separated: create, update, delete, replace, any-change, policy-mandatory, policy-advisory, failed. A replace counts as replace, not delete.',
    parseFailOn
  ),
  allow: spec(
    'allow',
    'Gate: resource type or URN globs, one per line (e.g. aws:s3/bucket:*), exempt from fail-on. Never exempts from protect.',
    parseGlobs('allow')
  ),
  protect: spec(
    'protect',
    'Gate: resource type or URN globs, one per line (e.g. urn:pulumi:prod::*::aws:rds/instance:Instance::*); any delete or replace of a match fails the step, whatever fail-on says.',
    parseGlobs('protect')
  ),
  lookbackDays: spec(
    'lookback-days',
    'get-resource-summary: days to look back (default 30; 2 for hourly, the most the service allows).',
    int('lookback-days', 1, 3650)
  )
} satisfies Record<string, InputSpec<unknown>>

export type CommonKey = keyof typeof COMMON_INPUTS
export type InputKey = keyof typeof COMMAND_INPUTS
export type InputValues = { [K in InputKey]: ReturnType<(typeof COMMAND_INPUTS)[K]['parse']> }
export type CommonValues = { [K in CommonKey]?: ReturnType<(typeof COMMON_INPUTS)[K]['parse']> }

/** Outputs every command (or the login) may set, besides each command's own. */
export const COMMON_OUTPUTS: Record<string, string> = {
  result:
    'The result as compact JSON (left out, with a warning, when too large for a step output).',
  'result-file': 'Path of a JSON file holding the full result.',
  'access-token-source': 'Which login was used: input, env or oidc.',
  'dry-run':
    'true when dry-run kept a changing command from sending its requests; false when it ran for real (read-only, or dry-run off).',
  'comment-url': 'URL of the pull request comment written or updated.'
}
