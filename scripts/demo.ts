/**
 * `npm run demo`: starts the emulator with its seed data, then runs the bundled action's
 * headline commands against it exactly as a runner would, printing outputs and the path of
 * each job summary.
 */
import { startEmulator } from '../emulator/index.js'
import { runDist } from '../__tests__/support/action.js'

const emulator = await startEmulator({ port: 0 })
console.log(`Pulumi Cloud emulator on ${emulator.url} (seed: emulator/seed.json)\n`)

const steps: [string, Record<string, string>][] = [
  ['export-stack', { stack: 'acme/website/prod' }],
  ['list-previews', { stack: 'acme/website/prod' }],
  ['list-update-events', { stack: 'acme/website/prod' }],
  ['set-stack-tags', { stack: 'acme/website/prod', tags: 'owner=platform\ncost-center=1234' }],
  [
    'transfer-stack',
    { stack: 'acme/infra/dev', 'to-organization': 'acme-labs', 'dry-run': 'true' }
  ],
  ['export-audit-logs', { organization: 'acme', format: 'csv' }]
]

let failed = 0
try {
  for (const [command, inputs] of steps) {
    const run = await runDist({
      command,
      'api-url': emulator.url,
      'access-token': emulator.token,
      ...inputs
    })
    const shown = Object.entries(run.outputs).map(
      ([name, value]) => `    ${name}: ${value.length > 160 ? `${value.slice(0, 160)}…` : value}`
    )
    console.log(
      `▶ ${command} ${JSON.stringify(inputs)}\n  exit ${run.exitCode}\n  outputs:\n${shown.join('\n')}`
    )
    console.log(
      `  job summary: ${run.runnerTemp}/step_summary.md (${Buffer.byteLength(run.summary)} bytes)\n`
    )
    if (run.exitCode !== 0) {
      failed++
      console.log(run.stdout)
    }
  }
} finally {
  await emulator.close()
}
process.exitCode = failed === 0 ? 0 : 1
