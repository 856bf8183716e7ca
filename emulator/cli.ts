// Command line: tsx emulator/cli.ts --port N [--host H] [--data seed.json]
//   [--generate stacks=10000,auditEvents=100000,stateBytes=200000000,updateEvents=50000]
// Prints "emulator listening on <url>" once ready, then serves until SIGINT/SIGTERM.

import { startEmulator, type EmulatorOptions, type GenerateOptions } from './index.js'

const GENERATE_KEYS = ['stacks', 'auditEvents', 'stateBytes', 'updateEvents'] as const

function usage(msg: string): never {
  process.stderr.write(
    `${msg}\nusage: emulator --port N [--host 127.0.0.1] [--data seed.json] ` +
      `[--generate stacks=N,auditEvents=N,stateBytes=N,updateEvents=N]\n`
  )
  process.exit(2)
}

function parseGenerate(spec: string): GenerateOptions {
  const out: GenerateOptions = {}
  for (const part of spec.split(',').filter(Boolean)) {
    const [key, value] = part.split('=')
    const k = GENERATE_KEYS.find(x => x === key)
    if (!k || value === undefined || !/^\d+(_\d+)*$/.test(value))
      usage(`bad --generate entry '${part}'`)
    out[k] = Number(value.replace(/_/g, ''))
  }
  return out
}

function parseArgs(argv: string[]): EmulatorOptions {
  const opts: EmulatorOptions = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1)
      const v = argv[++i]
      if (v === undefined) usage(`${name} needs a value`)
      return v
    }
    switch (name) {
      case '--port': {
        const v = value()
        if (!/^\d+$/.test(v)) usage(`bad --port '${v}'`)
        opts.port = Number(v)
        break
      }
      case '--host':
        opts.host = value()
        break
      case '--data':
        opts.seed = value()
        break
      case '--generate':
        opts.generate = parseGenerate(value())
        break
      case '--help':
      case '-h':
        usage('Local Pulumi Cloud REST API emulator.')
        break
      default:
        usage(`unknown argument '${arg}'`)
    }
  }
  return opts
}

async function main(): Promise<void> {
  const emu = await startEmulator(parseArgs(process.argv.slice(2)))
  process.stdout.write(`emulator listening on ${emu.url}\n`)
  const stop = (): void => {
    emu.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(
    `emulator failed to start: ${err instanceof Error ? err.message : String(err)}\n`
  )
  process.exit(1)
})
