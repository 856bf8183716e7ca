import { cell, heading, table, text } from './escape.js'

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

/** The job summary of a run that failed as a whole (one stack, or before any stack ran). */
export function renderCommandFailure(command: string, stacks: string[], message: string): string {
  const target = stacks.length > 0 ? ` on ${stacks.map(cell).join(', ')}` : ''
  // Each line inert on its own, kept as a line (a deployment's failure ends with its log tail).
  const lines = message
    .split('\n')
    .filter(line => line.trim() !== '')
    .map(text)
  return `${heading(3, `❌ ${cell(command)} failed${target}`)}${lines.join('  \n')}\n`
}
