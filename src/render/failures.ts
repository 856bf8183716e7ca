import { cell, heading, table } from './markdown.js'

/** The stacks of a multi-stack run that failed or that fail-fast skipped. */
export function renderStackFailures(
  failures: { stack: string; message: string }[],
  skipped: string[]
): string {
  if (failures.length === 0 && skipped.length === 0) return ''
  let markdown = heading(3, `❌ ${failures.length} stack(s) failed`)
  markdown += table(
    ['Stack', 'Error'],
    failures.map(failure => [cell(failure.stack), cell(failure.message)])
  )
  if (skipped.length > 0) markdown += `\nSkipped by fail-fast: ${skipped.map(cell).join(', ')}\n`
  return markdown
}
