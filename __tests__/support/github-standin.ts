/**
 * A local stand-in for the parts of the GitHub API the sticky comment uses: issue comments
 * (list with Link-header pages, create, update, delete) and GraphQL `viewer { login }`; and
 * the deployments github-deployment writes (create a deployment, create a deployment status).
 * It records every call and can answer writes with 403, as GitHub does for a fork's read-only
 * token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { startLoopbackServer } from './loopback.js'

export interface StandinComment {
  id: number
  owner: string
  repo: string
  issue: number
  body: string
  login: string
}

export interface StandinCall {
  method: string
  path: string
  query: URLSearchParams
  authorization: string | undefined
  body: unknown
}

export interface GitHubStandin {
  url: string
  token: string
  /** The login GraphQL `viewer` answers with, and the author of comments we create. */
  viewer: string
  calls: StandinCall[]
  comments: StandinComment[]
  /** Answer 403 to POST/PATCH/DELETE of comments, as for a fork pull request's read-only token. */
  readOnly: boolean
  addComment(comment: Omit<StandinComment, 'id'>): StandinComment
  /** Deployments created, each with the statuses posted to it, oldest first. */
  deployments: StandinDeployment[]
  /** Answer 403 to deployment writes (a token without deployments: write). */
  deploymentsForbidden: boolean
  /** Fields laid over every deployment and status answer (e.g. hostile strings). */
  deploymentOverrides: Record<string, unknown>
  close(): Promise<void>
}

export interface StandinDeployment {
  id: number
  owner: string
  repo: string
  /** The request body as sent. */
  request: Record<string, unknown>
  statuses: Record<string, unknown>[]
}

function bodyText(body: unknown): string {
  const text = (body as { body?: unknown } | undefined)?.body
  return typeof text === 'string' ? text : ''
}

const FORBIDDEN = {
  message: 'Resource not accessible by integration',
  documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
  status: '403'
}

export async function startGitHubStandin(
  options: { token?: string; viewer?: string } = {}
): Promise<GitHubStandin> {
  let nextId = 1000
  const standin: Omit<GitHubStandin, 'url' | 'close'> & { url: string } = {
    url: '',
    token: options.token ?? 'ghs_standin_token',
    viewer: options.viewer ?? 'github-actions[bot]',
    calls: [],
    comments: [],
    readOnly: false,
    deployments: [],
    deploymentsForbidden: false,
    deploymentOverrides: {},
    addComment(comment) {
      const stored = { ...comment, id: nextId++ }
      standin.comments.push(stored)
      return stored
    }
  }

  const view = (comment: StandinComment): Record<string, unknown> => ({
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `${standin.url}/repos/${comment.owner}/${comment.repo}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${comment.owner}/${comment.repo}/pull/${comment.issue}#issuecomment-${comment.id}`,
    body: comment.body,
    user: { login: comment.login, id: 1, type: comment.login.endsWith('[bot]') ? 'Bot' : 'User' }
  })

  const reply = (res: ServerResponse, status: number, body: unknown, headers = {}): void => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
    res.end(JSON.stringify(body))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', standin.url)
    const method = req.method ?? 'GET'
    const body: unknown = raw === '' ? undefined : JSON.parse(raw)
    standin.calls.push({
      method,
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      body
    })
    if (req.headers.authorization !== `token ${standin.token}`) {
      reply(res, 401, { message: 'Bad credentials' })
      return
    }
    if (method === 'POST' && url.pathname === '/graphql') {
      const query = (body as { query?: string } | undefined)?.query ?? ''
      if (!/viewer\s*\{\s*login\s*\}/.test(query)) {
        reply(res, 200, { errors: [{ message: `unsupported query: ${query}` }] })
        return
      }
      reply(res, 200, { data: { viewer: { login: standin.viewer.replace(/\[bot\]$/, '') } } })
      return
    }
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname)
    if (list) {
      const [, owner, repo, issue] = list as unknown as [string, string, string, string]
      if (method === 'GET') {
        const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? '30'))
        const page = Number(url.searchParams.get('page') ?? '1')
        const all = standin.comments.filter(
          c => c.owner === owner && c.repo === repo && c.issue === Number(issue)
        )
        const last = Math.max(1, Math.ceil(all.length / perPage))
        const link = (n: number, rel: string): string => {
          const target = new URL(url.pathname, standin.url)
          target.searchParams.set('per_page', String(perPage))
          target.searchParams.set('page', String(n))
          return `<${target.href}>; rel="${rel}"`
        }
        const links = page < last ? [link(page + 1, 'next'), link(last, 'last')] : []
        reply(
          res,
          200,
          all.slice((page - 1) * perPage, page * perPage).map(view),
          links.length > 0 ? { Link: links.join(', ') } : {}
        )
        return
      }
      if (method === 'POST') {
        if (standin.readOnly) {
          reply(res, 403, FORBIDDEN)
          return
        }
        const created = standin.addComment({
          owner,
          repo,
          issue: Number(issue),
          body: bodyText(body),
          login: standin.viewer
        })
        reply(res, 201, view(created))
        return
      }
    }
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname)
    if (one && (method === 'PATCH' || method === 'DELETE')) {
      const index = standin.comments.findIndex(
        c => c.id === Number(one[3]) && c.owner === one[1] && c.repo === one[2]
      )
      const comment = standin.comments[index]
      if (!comment) {
        reply(res, 404, { message: 'Not Found' })
        return
      }
      if (standin.readOnly) {
        reply(res, 403, FORBIDDEN)
        return
      }
      if (method === 'DELETE') {
        standin.comments.splice(index, 1)
        res.writeHead(204).end()
        return
      }
      comment.body = bodyText(body)
      reply(res, 200, view(comment))
      return
    }
    const answer = deploymentRoute(standin, method, url.pathname, body)
    if (answer !== undefined) {
      reply(res, answer.status, answer.body)
      return
    }
    reply(res, 404, { message: 'Not Found' })
  }

  const server = await startLoopbackServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      reply(res, 500, { message: String(error) })
    })
  })
  standin.url = server.url
  return Object.assign(standin, { close: server.close })
}

/** The branches the stand-in's repositories have (other names are 422, as on GitHub). */
const BRANCHES = new Set(['main', 'release/2.0'])

const DEPLOYMENT_STATES = new Set([
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success'
])

function validation(message: string): { status: number; body: unknown } {
  return {
    status: 422,
    body: { message, documentation_url: 'https://docs.github.com/rest/deployments' }
  }
}

/**
 * POST /repos/{o}/{r}/deployments and POST …/deployments/{id}/statuses, answered with the
 * shapes of GitHub's REST reference (201 with the deployment / the status); undefined for
 * any other path.
 */
function deploymentRoute(
  standin: Omit<GitHubStandin, 'close'>,
  method: string,
  path: string,
  body: unknown
): { status: number; body: unknown } | undefined {
  const create = /^\/repos\/([^/]+)\/([^/]+)\/deployments$/.exec(path)
  const status = /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/.exec(path)
  if ((!create && !status) || method !== 'POST') return undefined
  if (standin.deploymentsForbidden) return { status: 403, body: FORBIDDEN }
  const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const now = new Date().toISOString()
  const creator = { login: standin.viewer, id: 41898282, type: 'Bot' }
  if (create) {
    const [, owner, repo] = create as unknown as [string, string, string]
    const ref = request.ref
    if (typeof ref !== 'string' || ref === '') return validation('Invalid request: ref is missing')
    // GitHub resolves the ref in the repository: a commit SHA, or a branch it has.
    if (!/^[0-9a-f]{40}$/.test(ref) && !BRANCHES.has(ref))
      return validation(`No ref found for: ${ref}`)
    const id = 7_000_000 + standin.deployments.length + 1
    standin.deployments.push({ id, owner, repo, request, statuses: [] })
    const api = `${standin.url}/repos/${owner}/${repo}`
    return {
      status: 201,
      body: {
        url: `${api}/deployments/${id}`,
        id,
        node_id: `DE_${id}`,
        sha: /^[0-9a-f]{40}$/.test(ref) ? ref : '4a1f1d5b1e2c3d4e5f60718293a4b5c6d7e8f901',
        ref,
        task: request.task ?? 'deploy',
        payload: request.payload ?? {},
        original_environment: request.environment ?? 'production',
        environment: request.environment ?? 'production',
        description: request.description ?? null,
        creator,
        created_at: now,
        updated_at: now,
        statuses_url: `${api}/deployments/${id}/statuses`,
        repository_url: api,
        transient_environment: request.transient_environment ?? false,
        production_environment: request.production_environment ?? false,
        ...standin.deploymentOverrides
      }
    }
  }
  const [, owner, repo, id] = status as unknown as [string, string, string, string]
  const deployment = standin.deployments.find(
    d => d.id === Number(id) && d.owner === owner && d.repo === repo
  )
  if (!deployment) return { status: 404, body: { message: 'Not Found' } }
  if (typeof request.state !== 'string' || !DEPLOYMENT_STATES.has(request.state))
    return validation(`Invalid request: state ${String(request.state)} is not a valid state`)
  if (typeof request.description === 'string' && request.description.length > 140)
    return validation('Invalid request: description is too long (maximum is 140 characters)')
  const statusId = 9_000_000 + deployment.statuses.length + 1
  deployment.statuses.push(request)
  const api = `${standin.url}/repos/${owner}/${repo}`
  const logUrl = typeof request.log_url === 'string' ? request.log_url : ''
  return {
    status: 201,
    body: {
      url: `${api}/deployments/${id}/statuses/${statusId}`,
      id: statusId,
      node_id: `DES_${statusId}`,
      state: request.state,
      creator,
      description: request.description ?? '',
      environment: deployment.request.environment ?? 'production',
      target_url: logUrl,
      log_url: logUrl,
      environment_url: request.environment_url ?? '',
      created_at: now,
      updated_at: now,
      deployment_url: `${api}/deployments/${id}`,
      repository_url: api,
      ...standin.deploymentOverrides
    }
  }
}
