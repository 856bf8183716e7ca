import { HttpClient } from '@actions/http-client'
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { NetworkError, PulumiApiError, ResponseFormatError, TimeoutError } from './errors.js'
import { DEFAULT_RETRY, parseRetryAfter, withRetries, type RetryPolicy } from './retry.js'
import {
  deadlineError,
  readBody,
  readBodyBytes,
  saveBody,
  type BodyInspector,
  type SavedBody
} from './body.js'
import { RetryBudget, bufferedDeadlineMs, limits, uploadDeadlineMs } from './limits.js'
import { fileBodyStream, type FileBody } from './file-body.js'
import { readAnswer, type Page, type Reader, type Site } from './readers/core.js'

export type Query = Record<string, string | number | boolean | undefined>
export type WriteMethod = 'POST' | 'PATCH' | 'PUT' | 'DELETE'

export interface ClientOptions {
  /** API root such as https://api.pulumi.com; a path prefix (https://host/pulumi) is kept. */
  baseUrl: string
  /** Absent for the OIDC token exchange, which authenticates by its body. */
  token?: string
  /** Defaults to the versioned Pulumi API media type. */
  accept?: string
  userAgent: string
  timeoutSeconds: number
  debug?: (message: string) => void
  retry?: RetryPolicy
  /** Upper bound on parallel connections; callers running stacks in parallel raise it. */
  maxSockets?: number
}

/** A parsed JSON page and the bytes it came from. */
export interface JsonPage<T> {
  value: T
  body: Buffer
}

/** One request as it would be sent, for dry-run and debug output. */
export interface PlannedRequest {
  method: string
  path: string
  body?: unknown
  /** A body that would be streamed from a file (import-stack), shown by name, size and hash. */
  bodyFile?: FileBody
}

const MAX_REDIRECTS = 5
const UPLOAD_ADVICE =
  'The request was aborted; if the service may already have had the whole file, look at the stack (get-stack) before re-running. Check the network or proxy between the runner and api-url.'
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308])

/**
 * Pulumi Cloud over @actions/http-client. GETs are retried (network errors, 429, 5xx);
 * writes are never retried automatically, since the service may have applied them.
 */
export class PulumiCloud {
  private readonly http: HttpClient
  private readonly base: string
  private readonly retry: RetryPolicy
  /** One budget of retry waits for every request of this client (one run). */
  private readonly budget = new RetryBudget()
  private readonly debug: (message: string) => void

  constructor(private readonly options: ClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '')
    this.retry = options.retry ?? DEFAULT_RETRY
    this.debug = options.debug ?? (() => undefined)
    this.http = new HttpClient(options.userAgent, [], {
      allowRedirects: false,
      allowRetries: false,
      keepAlive: true,
      maxSockets: options.maxSockets ?? 8,
      socketTimeout: options.timeoutSeconds * 1000
    })
  }

  /** Absolute URL for an API path; string concatenation keeps any prefix of the base URL. */
  url(path: string, query: Query = {}): string {
    return `${this.base}${this.pathWithQuery(path, query)}`
  }

  /** The path with its query string, as dry-run plans and logs show a request. */
  pathWithQuery(path: string, query: Query = {}): string {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.append(key, String(value))
    }
    const search = params.toString()
    return `${path}${search ? `?${search}` : ''}`
  }

  /**
   * A GET's JSON answer as `read` checks it (src/api/readers): there is no unchecked way to
   * read an answer, so no command can forget it.
   */
  async getJson<T>(path: string, query: Query, read: Reader<T>): Promise<T> {
    const value = await this.getOptionalJson(path, query, read)
    if (value === undefined) throw new ResponseFormatError('GET', path, 'the body was empty')
    return value
  }

  /** A GET whose 204 (empty body) means "nothing to report": undefined instead of an error. */
  async getOptionalJson<T>(path: string, query: Query, read: Reader<T>): Promise<T | undefined> {
    const { value, site } = await this.bufferedGet(path, query)
    return value === undefined ? undefined : readAnswer(read, value, site)
  }

  /**
   * A GET's checked JSON with the bytes it was parsed from, for callers that copy parts of
   * the page as the service sent them (see json-items.ts).
   */
  async getJsonBytes<T>(path: string, query: Query, read: Reader<T>): Promise<JsonPage<T>> {
    const { value, site, body } = await this.bufferedGet(path, query)
    if (value === undefined) throw new ResponseFormatError('GET', path, 'the body was empty')
    return { value: readAnswer(read, value, site), body }
  }

  /**
   * One buffered GET, retried as a whole (request, capped body, parse) within the deadline;
   * undefined for an empty body. Checking is the caller's: a malformed document is not retried.
   */
  private async bufferedGet(
    path: string,
    query: Query
  ): Promise<{ value: unknown; site: Site; body: Buffer }> {
    return withRetries(
      this.retry,
      this.debug,
      `GET ${path}`,
      async () => {
        const deadlineAt = this.deadline()
        const response = await this.open('GET', path, query, undefined, deadlineAt)
        const body = await readBodyBytes(response, this.bufferedContext('GET', path, deadlineAt))
        const value = body.length === 0 ? undefined : parseJson('GET', path, body.toString('utf8'))
        return { value, site: siteOf('GET', path, response), body }
      },
      this.budget
    )
  }

  /** A write whose answer is not read: sent once, never retried (the service may have applied it). */
  async send(method: WriteMethod, path: string, body?: unknown, query: Query = {}): Promise<void> {
    await this.sendOnce(method, path, body, query)
  }

  /** A write answered with a JSON document, checked by `read`; an empty answer is an error. */
  async sendJson<T>(
    method: WriteMethod,
    path: string,
    read: Reader<T>,
    body?: unknown,
    query: Query = {}
  ): Promise<T> {
    const { value, site } = await this.sendOnce(method, path, body, query)
    if (value === undefined)
      throw new ResponseFormatError(method, path, 'the body was empty where a JSON answer was due')
    return readAnswer(read, value, site)
  }

  private async sendOnce(
    method: WriteMethod,
    path: string,
    body: unknown,
    query: Query
  ): Promise<{ value: unknown; site: Site }> {
    const deadlineAt = this.deadline()
    const response = await this.open(method, path, query, body, deadlineAt)
    const text = await readBody(response, this.bufferedContext(method, path, deadlineAt))
    const value = text.length === 0 ? undefined : parseJson(method, path, text)
    return { value, site: siteOf(method, path, response) }
  }

  /**
   * A write whose body is a file's bytes as they are (file-body.ts), sent once like `send`:
   * a stream cannot be replayed, and the service may have applied it. The answer is JSON,
   * checked by `read`; an empty answer is undefined.
   */
  async sendFile<T>(
    method: WriteMethod,
    path: string,
    body: FileBody,
    read: Reader<T>,
    query: Query = {}
  ): Promise<T | undefined> {
    const timeoutSeconds = this.options.timeoutSeconds
    const deadlineMs = uploadDeadlineMs(timeoutSeconds, body.bytes)
    // Bounded like a download (limits.ts): a rate floor on the bytes going out, and a deadline
    // sized for the file, so a peer reading slowly cannot hold the job. Failing destroys the
    // request, so the service never sees a complete body; it is not retried (a write).
    const upload = fileBodyStream(body, {
      deadlineAt: Date.now() + deadlineMs,
      late: () =>
        new TimeoutError(
          method,
          path,
          timeoutSeconds,
          `the upload of ${body.bytes} bytes was not answered within ${Math.round(deadlineMs / 1000)} s (${limits().bufferedDeadlineFactor} × timeout-seconds, plus the time its bytes take at ${limits().minDownloadBytesPerSecond} bytes/s)`,
          UPLOAD_ADVICE
        ),
      slow: reason => new TimeoutError(method, path, timeoutSeconds, reason, UPLOAD_ADVICE)
    })
    let answer: { value: unknown; site: Site }
    try {
      const response = await this.open(method, path, query, upload.stream, undefined, 'gzip')
      upload.stop()
      const text = await readBody(response, this.bufferedContext(method, path, this.deadline()))
      const changed = upload.failure()
      if (changed) throw changed
      const value = text.length === 0 ? undefined : parseJson(method, path, text)
      answer = { value, site: siteOf(method, path, response) }
    } catch (error) {
      // The service refusing a cut-short body is not the news: the file changing (or the
      // upload running out of time) is.
      throw upload.failure() ?? error
    } finally {
      upload.stop()
      upload.stream.destroy()
    }
    return answer.value === undefined ? undefined : readAnswer(read, answer.value, answer.site)
  }

  /** Every item of every page of a listing that continues with `continuationToken`. */
  async collect<T>(path: string, query: Query, read: Reader<Page<T>>): Promise<T[]> {
    const items: T[] = []
    for await (const page of this.pages(path, query, read)) items.push(...page.items)
    return items
  }

  /**
   * Follows `continuationToken` page by page, each page checked by `read`. Each page is
   * retried on its own, so a fault never re-fetches earlier pages; a token seen before ends
   * with an error, not a loop.
   */
  async *pages<T>(path: string, query: Query, read: Reader<Page<T>>): AsyncGenerator<Page<T>> {
    // No fetching ahead: some callers stop at the page they were looking for.
    for await (const page of this.pagesWithBytes(path, query, read, () => false)) yield page.value
  }

  /**
   * pages() with each page's bytes, fetching the next page while the caller works on this
   * one. `wanted(page)` says, before the caller sees `page`, whether it will want the page
   * after it: when it says no (e.g. max-events is reached) nothing is fetched ahead, and a
   * caller that stops there never causes a request it did not need.
   */
  async *pagesWithBytes<T>(
    path: string,
    query: Query,
    read: Reader<Page<T>>,
    wanted: (page: Page<T>) => boolean = () => true
  ): AsyncGenerator<JsonPage<Page<T>>> {
    const seen = new Set<string>()
    let fetched = 0
    const fetch = (token: string | undefined): Promise<JsonPage<Page<T>>> => {
      // A service handing out a new token on every page forever stops here (limits.ts).
      if (++fetched > limits().maxPages)
        return Promise.reject(
          new ResponseFormatError(
            'GET',
            path,
            `the listing went on past ${limits().maxPages.toLocaleString('en-US')} pages, the most the action follows, so paging stopped; narrow the request (a filter or a time range)`
          )
        )
      return this.getJsonBytes(
        path,
        token === undefined ? query : { ...query, continuationToken: token },
        read
      )
    }
    let ahead: Promise<JsonPage<Page<T>>> | undefined = fetch(undefined)
    try {
      for (;;) {
        const page: JsonPage<Page<T>> = await ahead
        ahead = undefined
        const next = page.value.continuationToken
        const more = next !== undefined && next !== ''
        const repeated = more && seen.has(next)
        if (more && !repeated) {
          seen.add(next)
          if (wanted(page.value)) {
            ahead = fetch(next)
            // Awaited on the next turn; until then a failure must not count as unhandled.
            ahead.catch(() => undefined)
          }
        }
        yield page
        if (!more) return
        if (repeated) {
          throw new ResponseFormatError(
            'GET',
            path,
            'the continuation token repeated, so paging stopped instead of looping forever'
          )
        }
        ahead ??= fetch(next)
      }
    } finally {
      // A caller that stopped early: the page fetched ahead is dropped (its body is read
      // whole, so its connection goes back to the pool).
      ahead?.catch(() => undefined)
    }
  }

  /**
   * Streams a GET body to `destination` atomically (temp file, then rename), hashing as it
   * goes; a failed attempt starts again from byte 0 and a final failure leaves no file.
   * Content-Encoding gzip is always decoded (every request asks for it). `gunzip`: the body
   * itself may be a gzip file; it is decoded too when it starts with the gzip magic bytes, and
   * saved as is otherwise (a proxy or a self-hosted service may send it plain).
   */
  async download<R>(
    path: string,
    query: Query,
    destination: string,
    options: { gunzip?: boolean; inspector?: () => BodyInspector<R> } = {}
  ): Promise<SavedBody<R>> {
    return withRetries(
      this.retry,
      this.debug,
      `GET ${path}`,
      async () => {
        const response = await this.open('GET', path, query)
        return saveBody(response, destination, {
          ...this.bodyContext('GET', path),
          gunzip: options.gunzip === true,
          inspector: options.inspector?.()
        })
      },
      this.budget
    )
  }

  dispose(): void {
    this.http.dispose()
  }

  /** When a buffered request that starts now must be done by (limits.ts). */
  private deadline(): number {
    return Date.now() + bufferedDeadlineMs(this.options.timeoutSeconds)
  }

  /** A buffered body: capped in size and bound by the request's deadline (limits.ts). */
  private bufferedContext(
    method: string,
    path: string,
    deadlineAt: number
  ): {
    method: string
    path: string
    timeoutSeconds: number
    maxBytes: number
    deadlineAt: number
  } {
    return { ...this.bodyContext(method, path), maxBytes: limits().maxJsonBodyBytes, deadlineAt }
  }

  private bodyContext(
    method: string,
    path: string
  ): { method: string; path: string; timeoutSeconds: number } {
    return { method, path, timeoutSeconds: this.options.timeoutSeconds }
  }

  /** Sends one request and returns a 2xx response; anything else becomes a typed error. */
  private async open(
    method: string,
    path: string,
    query: Query,
    body?: unknown,
    deadlineAt?: number,
    contentEncoding?: 'gzip'
  ): Promise<IncomingMessage> {
    let target = this.url(path, query)
    // Parsed once per hop, not at each use: a 1,000-page listing makes 1,000 requests.
    let current = new URL(target)
    const origin = current.origin
    const payload =
      body === undefined ? null : body instanceof Readable ? body : JSON.stringify(body)
    for (let redirects = 0; ; redirects++) {
      const sameOrigin = current.origin === origin
      const token = this.options.token
      const headers: Record<string, string> = {
        Accept: this.options.accept ?? 'application/vnd.pulumi+8',
        // As the Pulumi CLI does: a state that compresses 4-10x crosses the network that much
        // smaller. Bodies are inflated as they stream (body.ts), error bodies included.
        'Accept-Encoding': 'gzip',
        ...(payload === null ? {} : { 'Content-Type': 'application/json' }),
        ...(contentEncoding === undefined ? {} : { 'Content-Encoding': contentEncoding }),
        // The token goes per request and only to the API's own origin, never to a redirect target elsewhere.
        ...(sameOrigin && token !== undefined ? { Authorization: `token ${token}` } : {})
      }
      // Built only when asked for: a 1,000-page listing would format 1,000 unread lines.
      if (this.options.debug)
        this.debug(
          `${method} ${redactQuery(target)} ${describeHeaders(headers)}${sameOrigin ? '' : ' (no Authorization: other origin)'}`
        )
      const response = await this.rawRequest(method, path, target, payload, headers, deadlineAt)
      const status = response.statusCode ?? 0
      if (
        REDIRECT_CODES.has(status) &&
        response.headers.location &&
        redirects < MAX_REDIRECTS &&
        method === 'GET'
      ) {
        response.resume()
        const next = new URL(response.headers.location, current)
        if (current.protocol === 'https:' && next.protocol !== 'https:') {
          throw new NetworkError(method, path, `refused a redirect from https to ${next.protocol}`)
        }
        current = next
        target = next.toString()
        continue
      }
      if (status >= 200 && status < 300) return response
      throw await toApiError(
        method,
        path,
        response,
        this.options.timeoutSeconds,
        deadlineAt ?? this.deadline()
      )
    }
  }

  private async rawRequest(
    method: string,
    path: string,
    target: string,
    payload: string | Readable | null,
    headers: Record<string, string>,
    deadlineAt?: number
  ): Promise<IncomingMessage> {
    try {
      const pending = this.http.request(method, target, payload, headers)
      const response =
        deadlineAt === undefined
          ? await pending
          : await beforeDeadline(pending, deadlineAt, () =>
              deadlineError({ method, path, timeoutSeconds: this.options.timeoutSeconds })
            )
      // From here the body's own idle timer (body.ts) decides: the socket timeout would
      // otherwise cut a stalled body first and look like a retryable network error.
      response.message.setTimeout(0)
      return response.message
    } catch (error) {
      if (error instanceof TimeoutError) throw error
      const message = error instanceof Error ? error.message : String(error)
      if (message.startsWith('Request timeout'))
        throw new TimeoutError(method, path, this.options.timeoutSeconds)
      throw new NetworkError(method, path, message)
    }
  }
}

async function toApiError(
  method: string,
  path: string,
  response: IncomingMessage,
  timeoutSeconds: number,
  deadlineAt: number
): Promise<PulumiApiError> {
  const text = await readBody(response, {
    method,
    path,
    timeoutSeconds,
    limitBytes: 64 * 1024,
    deadlineAt
  })
  const requestId = headerValue(response.headers['x-pulumi-request-id'])
  const retryAfter = parseRetryAfter(headerValue(response.headers['retry-after']))
  const status = response.statusCode ?? 0
  const serviceMessage = messageFromJson(text)
  return new PulumiApiError(
    method,
    path,
    status,
    serviceMessage ?? text.trim().slice(0, 500),
    requestId,
    serviceMessage !== undefined,
    retryAfter
  )
}

/** The service's `{code, message}`, or an OAuth `{error, error_description}`. */
function messageFromJson(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null) return undefined
    const record = parsed as Record<string, unknown>
    if (typeof record.message === 'string') return record.message
    if (typeof record.error === 'string') {
      return typeof record.error_description === 'string'
        ? `${record.error}: ${record.error_description}`
        : record.error
    }
    return undefined
  } catch {
    return undefined
  }
}

/**
 * A write's answer may hold a secret (create-token's tokenValue) not yet masked, so only a
 * GET's malformed body is quoted; a write's is reported by its length alone.
 */
function parseJson(method: string, path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    const start = method === 'GET' ? ` starting ${JSON.stringify(text.slice(0, 40))}` : ''
    throw new ResponseFormatError(method, path, `not valid JSON (${text.length} bytes${start})`)
  }
}

/**
 * The response of `pending`, or the error of `expired()` at `deadlineAt`: headers trickled a
 * byte at a time never trip the socket's idle timeout. A response arriving after that is
 * thrown away.
 */
async function beforeDeadline<T extends { message: IncomingMessage }>(
  pending: Promise<T>,
  deadlineAt: number,
  expired: () => Error
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => {
        pending.then(
          response => response.message.destroy(),
          () => undefined
        )
        reject(expired())
      },
      Math.max(0, deadlineAt - Date.now())
    )
  })
  try {
    return await Promise.race([pending, late])
  } finally {
    clearTimeout(timer)
  }
}

/** The request an answer came from, with its X-Pulumi-Request-ID for error messages. */
function siteOf(method: string, path: string, response: IncomingMessage): Site {
  return { method, path, requestId: headerValue(response.headers['x-pulumi-request-id']) }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** Request headers for a debug line, the credential redacted. */
function describeHeaders(headers: Record<string, string>): string {
  const shown = Object.entries(headers).map(([name, value]) =>
    name.toLowerCase() === 'authorization'
      ? `${name}: ${value.split(' ')[0] ?? ''} ***`
      : `${name}: ${value}`
  )
  return `[${shown.join(', ')}]`
}

/** Continuation tokens can be long and opaque; keep debug lines readable. */
function redactQuery(target: string): string {
  return target.replace(/(continuationToken=)[^&]{16,}/, (_m, key: string) => `${key}…`)
}
