/** The markdown of the sticky pull request comment that is the action's own (see github/sticky-comment.ts). */
import { link } from './escape.js'

/** The note ending a comment cut to GitHub's limit: where everything is instead. */
export function commentCutNote(maxCharacters: number, summaryUrl: string | undefined): string {
  const limit = `GitHub’s ${maxCharacters.toLocaleString('en-US')}-character limit`
  return summaryUrl
    ? `> **Note:** this comment was cut to fit ${limit}; ${link('the job summary', summaryUrl)} has everything.`
    : `> **Note:** this comment was cut to fit ${limit}; the job summary has everything.`
}
