/**
 * A local stand-in for the parts of the GitHub API the sticky comment uses: issue comments
 * (list with Link-header pages, create, update, delete) and GraphQL `viewer { login }`. It records
 * every call and can answer writes with 403, as GitHub does for a fork's read-only token.
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
  close(): Promise<void>
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
