/**
 * The job summary, built in one place: sections appended in order (the gate's verdict first,
 * then a dry-run plan, each stack's section, the failures), and GitHub's 1 MiB limit applied
 * once at the end. Sections that must be read (verdict, failures) are kept whole; the others are
 * cut from the end, with a note saying where everything is.
 */
import { code, link } from './escape.js'
import { limitBytes } from './markdown.js'

/** GitHub refuses a step summary over 1 MiB; a little is left for the runner's own framing. */
export const MAX_SUMMARY_BYTES = 1024 * 1024 - 2048

/** Where the whole result is when the summary had to be cut. */
export interface SummaryElsewhere {
  /** This workflow run's page. */
  runUrl?: string | undefined
  /** The path the `result-file` output names. */
  resultFile?: string | undefined
}

interface Section {
  markdown: string
  /** Never cut: the verdict and the failures must be read whatever else there is. */
  whole: boolean
}

/** The note ending a cut summary: the run and the result file, whichever are known. */
export function summaryCutNote(where: SummaryElsewhere): string {
  const run = where.runUrl === undefined ? 'this run' : link('this run', where.runUrl)
  const rest =
    where.resultFile === undefined
      ? `${run} has the log of everything it did.`
      : `the full result is in the \`result-file\` output of ${run} (${code(where.resultFile)}).`
  return `> **Note:** this summary was cut to fit GitHub’s 1 MiB limit; ${rest}`
}

export class JobSummary {
  private readonly sections: Section[] = []

  /** A section that is read first and never cut: the gate's verdict. */
  verdict(markdown: string): this {
    return this.add(markdown, true)
  }

  /** A section cut from its end when the summary is over the limit: a plan, a stack. */
  append(markdown: string): this {
    return this.add(markdown, false)
  }

  /** The failed and skipped stacks, or the run's own failure: never cut. */
  failures(markdown: string): this {
    return this.add(markdown, true)
  }

  get empty(): boolean {
    return this.sections.length === 0
  }

  /** The summary's markdown, at most `maxBytes` of UTF-8. */
  build(where: SummaryElsewhere, maxBytes = MAX_SUMMARY_BYTES): string {
    const whole = this.sections.map(section => section.markdown).join('\n')
    if (Buffer.byteLength(whole) <= maxBytes) return whole
    const note = summaryCutNote(where)
    const size = (markdown: string): number => Buffer.byteLength(markdown) + 1
    // The note and its blank lines are kept room for; the rest goes to the sections in order.
    const reserve = Buffer.byteLength(note) + 8
    let room =
      maxBytes -
      reserve -
      this.sections.reduce((sum, s) => sum + (s.whole ? size(s.markdown) : 0), 0)
    const kept: string[] = []
    let cut = false
    for (const section of this.sections) {
      if (section.whole) kept.push(section.markdown)
      else if (cut) continue
      else if (size(section.markdown) <= room) {
        kept.push(section.markdown)
        room -= size(section.markdown)
      } else {
        kept.push(limitBytes(section.markdown, Math.max(0, room) + reserve - 1, note))
        cut = true
      }
    }
    // Sections kept whole that are alone over the limit (thousands of failed stacks) are cut too.
    return limitBytes(kept.join('\n'), maxBytes, note)
  }

  private add(markdown: string, whole: boolean): this {
    if (markdown !== '') this.sections.push({ markdown, whole })
    return this
  }
}
