/** The body of a sticky pull request comment: a hidden marker naming the stack, then markdown. */
import { link } from './markdown.js'

/** GitHub refuses an issue comment body over 65,536 characters. */
export const MAX_COMMENT_CHARACTERS = 65_536

/**
 * The hidden first line that finds a stack's comment again on the next run. Stack names
 * cannot hold `>` or spaces, but the marker must never end its HTML comment early.
 */
export function commentMarker(stack: string): string {
  return `<!-- pulumi-cloud-action:${stack.replace(/[^\w./-]/g, '_').replace(/--+/g, '-')} -->`
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

/**
 * Cuts markdown at a line boundary so it fits in `maxCharacters` (UTF-16 code units, as
 * GitHub counts) with the note appended. A line is never split, so a table row or a link
 * is either whole or gone; a surrogate pair is never split either.
 */
export function limitCharacters(markdown: string, maxCharacters: number, note: string): string {
  if (markdown.length <= maxCharacters) return markdown
  const budget = Math.max(0, maxCharacters - note.length - 4)
  let cut = markdown.slice(0, budget)
  const lastNewline = cut.lastIndexOf('\n')
  if (lastNewline > 0) cut = cut.slice(0, lastNewline)
  else if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1)
  return `${cut}\n\n${note}\n`
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
