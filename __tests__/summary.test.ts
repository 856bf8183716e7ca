/** The job summary builder: section order, and GitHub's 1 MiB cut applied once, in one place. */
import { renderGateOverall } from '../src/render/gate.js'
import { JobSummary, MAX_SUMMARY_BYTES, summaryCutNote } from '../src/render/summary.js'

const RUN = 'https://github.com/octo/app/actions/runs/4242'
const FILE = '/runner/_temp/pulumi-cloud-action/list-previews-1-abcdef.json'

const rows = (label: string, count: number): string =>
  Array.from({ length: count }, (_, i) => `| ${label} ${i} | ${'x'.repeat(60)} |`).join('\n') + '\n'

describe('job summary', () => {
  test('sections stay in the order they were appended; empty ones leave no gap', () => {
    const summary = new JobSummary()
      .verdict('> verdict\n')
      .append('plan\n')
      .append('')
      .append('stack a\n')
      .failures('failures\n')
    expect(summary.build({ runUrl: RUN, resultFile: FILE })).toBe(
      '> verdict\n\nplan\n\nstack a\n\nfailures\n'
    )
    expect(new JobSummary().append('').failures('').build({})).toBe('')
  })

  test('over the limit, the verdict and the failures stay whole and the stacks are cut', () => {
    const max = 20_000
    const markdown = new JobSummary()
      .verdict('> **❌ Gate failed**: 1 reason(s) over 2 stack(s).\n')
      .append(`### a\n${rows('a', 400)}`)
      .append(`### b\n${rows('b', 400)}`)
      .failures('### ❌ 1 stack(s) failed\n| acme/x/y | boom |\n')
      .build({ runUrl: RUN, resultFile: FILE }, max)
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(max)
    expect(markdown.startsWith('> **❌ Gate failed**')).toBe(true)
    expect(markdown.endsWith('### ❌ 1 stack(s) failed\n| acme/x/y | boom |\n')).toBe(true)
    expect(markdown).toContain('| a 0 |')
    // Cut at a whole row, then the note, then nothing of the later stack.
    expect(markdown).toMatch(/\| a \d+ \| x{60} \|\n\n> \*\*Note:\*\*/)
    expect(markdown).not.toContain('### b')
    expect(markdown).toContain(summaryCutNote({ runUrl: RUN, resultFile: FILE }))
  })

  test('the cut note links the run and names the result file', () => {
    expect(summaryCutNote({ runUrl: RUN, resultFile: FILE })).toBe(
      `> **Note:** this summary was cut to fit GitHub’s 1 MiB limit; the full result is in the \`result-file\` output of [this run](${RUN}) (\`${FILE}\`).`
    )
    expect(summaryCutNote({})).toBe(
      '> **Note:** this summary was cut to fit GitHub’s 1 MiB limit; this run has the log of everything it did.'
    )
  })

  test('sections that must stay whole are cut too when they alone are over the limit', () => {
    const markdown = new JobSummary()
      .failures(rows('failed', 20_000))
      .build({ runUrl: RUN }, MAX_SUMMARY_BYTES)
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES)
    expect(markdown).toContain(`[this run](${RUN})`)
  })

  test('the verdict over several stacks lists its reasons, each naming its stack', () => {
    const failed = renderGateOverall('failed', ['acme/a/b: creates 1 resource'], 3)
    expect(failed).toBe(
      '> **❌ Gate failed**: 1 reason(s) over 3 stack(s).\n>\n> - acme/a/b: creates 1 resource\n\n'
    )
    expect(renderGateOverall('passed', [], 2)).toContain('✅ Gate passed** on all 2 stack(s)')
    const many = renderGateOverall(
      'failed',
      Array.from({ length: 60 }, (_, i) => `s${i}: x`),
      60
    )
    expect(many).toContain('> - …and 10 more (see the gate-reasons output)')
  })
})
