/** The body of a sticky pull request comment: a hidden marker naming the stack, then markdown. */
import { link } from './escape.js'
import { limitCharacters } from './markdown.js'

/** GitHub refuses an issue comment body over 65,536 characters. */
export const MAX_COMMENT_CHARACTERS = 65_536

/**
 * The hidden first line that finds a stack's comment again on the next run. An HTML comment
 * may not hold `--`, so dashes in a run are written `%2D`; stack names never hold `%`, so
 * two stacks never share a marker (`a--b` and `a-b` stay apart).
 */
export function commentMarker(stack: string): string {
  const safe = stack.replace(/[^\w./-]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `<!-- pulumi-cloud-action:${safe.replace(/-{2,}/g, run => '%2D'.repeat(run.length))} -->`
}

/** Marker, compact markdown, and when too long a cut with a link to the full job summary. */
export function commentBody(
  stack: string,
  markdown: string,
  summaryUrl: string | undefined,
  maxCharacters = MAX_COMMENT_CHARACTERS
): string {
  const marker = commentMarker(stack)
  const note = summaryUrl
    ? `> **Note:** this comment was cut to fit GitHub’s ${maxCharacters.toLocaleString('en-US')}-character limit; ${link('the job summary', summaryUrl)} has everything.`
    : `> **Note:** this comment was cut to fit GitHub’s ${maxCharacters.toLocaleString('en-US')}-character limit; the job summary has everything.`
  return `${marker}\n${limitCharacters(markdown, maxCharacters - marker.length - 1, note)}`
}

/** Where the whole job summary of this run is: the run's page. */
export function runUrl(env: {
  serverUrl?: string | undefined
  repository?: string | undefined
  runId?: string | undefined
}): string | undefined {
  if (!env.repository || !env.runId) return undefined
  return `${env.serverUrl || 'https://github.com'}/${env.repository}/actions/runs/${env.runId}`
}
