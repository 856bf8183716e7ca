/**
 * What main publishes around a command: outputs too large for a step output, the failure
 * summary, and the `dry-run` output.
 */
import { readFile } from 'node:fs/promises'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()
const { run } = emulator

describe('outputs and summaries written by main', () => {
  it('leaves out any output over 1 MB with a warning naming it, not only `result`', async () => {
    await emulator.restart({ generate: { stacks: 12_000 } })
    const action = await run({ command: 'list-stacks', organization: 'acme' })
    expect(action.exitCode).toBe(0)
    expect(Number(action.outputs.count)).toBeGreaterThan(12_000)
    expect(action.outputs.stacks).toBeUndefined()
    expect(action.stdout).toMatch(/::warning::The output 'stacks' is \d+ bytes.*result-file/)
    expect(action.outputs.result).toBeUndefined()
    expect(action.stdout).toMatch(/::warning::The output 'result' is \d+ bytes/)
    const file = JSON.parse(
      await readFile(action.outputs['result-file'] ?? '', 'utf8')
    ) as unknown[]
    expect(file.length).toBe(Number(action.outputs.count))
  })

  it('writes a failure section to the job summary when a single-stack command fails', async () => {
    const action = await run({ command: 'get-stack', stack: 'acme/website/nope' })
    expect(action.exitCode).toBe(1)
    expect(action.summary).toContain('❌ get-stack failed on acme/website/nope')
    expect(action.summary).toContain('not found')
  })

  it('writes no failure summary when summary is false', async () => {
    const action = await run({
      command: 'get-stack',
      stack: 'acme/website/nope',
      summary: 'false'
    })
    expect(action.exitCode).toBe(1)
    expect(action.summary).toBe('')
  })

  it("outputs dry-run 'false' for a read-only command, even with dry-run on", async () => {
    const action = await run({
      command: 'get-stack',
      stack: 'acme/website/prod',
      'dry-run': 'true'
    })
    expect(action.exitCode).toBe(0)
    expect(action.outputs['dry-run']).toBe('false')
  })
})
