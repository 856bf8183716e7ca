/**
 * `npm run bundle`: builds dist/ with esbuild. ESM, minified, target Node 20 (the action runs on
 * node24), with code splitting so `@actions/github` (imported on demand by src/github/) stays a
 * chunk that only a run posting to GitHub loads. Writes dist/licenses.txt for every bundled
 * package and dist/package.json. The output depends only on the sources and node_modules, so
 * CI can compare dist/ with a fresh build.
 *
 * One substitution happens here, not in npm resolution: `undici` as imported by the action's own
 * `@actions/http-client@4`. That package imports undici at start-up only for
 * `getAgentDispatcher()` (undici's ProxyAgent, for fetch-based clients), which this action never
 * calls: its requests go through `HttpClient.request`, which tunnels through proxies with `tunnel`.
 * Bundling and evaluating undici there costs every run 120-240 ms and 6-7 MiB (measured, see
 * CONTRIBUTING.md). `@actions/github` fetches through undici and its http-client's
 * ProxyAgent, so the undici its http-client imports is never replaced: when both resolve to the
 * same http-client (npm deduped them), the stand-in is off and the build says so.
 */
import { build, type Metafile, type Plugin, type PluginBuild } from 'esbuild'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const OUT = join(ROOT, 'dist')
const STAND_IN_NAMESPACE = 'undici-stand-in'

// What @actions/http-client@4 imports from undici, failing loudly if anything ever calls it.
const STAND_IN_SOURCE = `export class ProxyAgent {
  constructor() {
    throw new Error('pulumi-cloud-action: undici is not bundled for @actions/http-client; use HttpClient.request, not getAgentDispatcher()')
  }
}
`

interface PackageInfo {
  dir: string
  name: string
  version: string
  license: string
}

/** The package.json at or above `file` that names a package, with its directory. */
async function owningPackage(file: string): Promise<PackageInfo | undefined> {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (!existsSync(manifest)) continue
    const json = JSON.parse(await readFile(manifest, 'utf8')) as Record<string, unknown>
    if (typeof json.name !== 'string') continue
    return {
      dir,
      name: json.name,
      version: typeof json.version === 'string' ? json.version : '',
      license: typeof json.license === 'string' ? json.license : 'UNKNOWN'
    }
  }
  return undefined
}

/** The package directory `specifier` resolves to when imported from `fromDir`. */
async function resolvePackage(
  esbuild: PluginBuild,
  specifier: string,
  fromDir: string
): Promise<PackageInfo | undefined> {
  const found = await esbuild.resolve(specifier, { kind: 'import-statement', resolveDir: fromDir })
  if (found.errors.length > 0 || !found.path) return undefined
  return owningPackage(found.path)
}

/**
 * Replaces `undici` with STAND_IN_SOURCE for the action's own @actions/http-client, only at
 * major version 4 (whose single use of undici the stand-in mirrors) and only when
 * @actions/github uses a different copy of http-client.
 */
function undiciStandIn(): Plugin {
  return {
    name: 'undici-stand-in',
    setup(esbuild) {
      let target: string | undefined
      esbuild.onStart(async () => {
        const ours = await resolvePackage(esbuild, '@actions/http-client', join(ROOT, 'src'))
        const github = await resolvePackage(esbuild, '@actions/github', join(ROOT, 'src'))
        const theirs = github && (await resolvePackage(esbuild, '@actions/http-client', github.dir))
        target = undefined
        if (!ours || !ours.version.startsWith('4.')) {
          console.warn(`undici stand-in off: @actions/http-client is ${ours?.version ?? 'missing'}`)
        } else if (theirs && theirs.dir === ours.dir) {
          console.warn(
            'undici stand-in off: @actions/github shares @actions/http-client with the action, ' +
              'so it needs the real undici (proxies); start-up carries undici again'
          )
        } else {
          target = ours.dir
        }
      })
      esbuild.onResolve({ filter: /^undici$/ }, async args => {
        if (target === undefined) return undefined
        const importer = await owningPackage(args.importer)
        if (importer?.dir !== target) return undefined
        return { path: 'undici', namespace: STAND_IN_NAMESPACE }
      })
      esbuild.onLoad({ filter: /.*/, namespace: STAND_IN_NAMESPACE }, () => ({
        contents: STAND_IN_SOURCE,
        loader: 'js'
      }))
    }
  }
}

const BUILTIN_NAMESPACE = 'builtin-through-require'

/**
 * `import * as http from 'http'` (as @actions/http-client writes it) makes Node build the ESM
 * facade of the built-in, which reads every export, and on Node 22+ `http`'s lazy getters
 * (WebSocket, MessageEvent, ...) then load Node's own undici: ~30 ms of every run on Node 24
 * (measured: `import * as` of http and https 147-178 ms against 120-129 ms through require).
 * Here `http` and `https` are loaded with `require` instead (the banner defines it), and the
 * namespace esbuild builds over it reads a property only when the code uses it.
 */
function builtinsThroughRequire(): Plugin {
  return {
    name: 'builtins-through-require',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^(node:)?https?$/ }, args =>
        args.namespace === BUILTIN_NAMESPACE
          ? { path: args.path, external: true }
          : { path: args.path.replace(/^node:/, ''), namespace: BUILTIN_NAMESPACE }
      )
      esbuild.onLoad({ filter: /.*/, namespace: BUILTIN_NAMESPACE }, args => ({
        contents: `module.exports = require('node:${args.path}')`,
        loader: 'js'
      }))
    }
  }
}

/** `LICENSE`, `LICENCE`, `COPYING` (any extension) in a package directory, or ''. */
async function licenseText(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter(name => /^(licen[cs]e|copying)/i.test(name)).sort()
  const first = names[0]
  return first ? (await readFile(join(dir, first), 'utf8')).trim() : ''
}

/** One entry per bundled package (sorted by name, then version), as ncc's licenses.txt did. */
async function licenses(metafile: Metafile): Promise<string> {
  const packages = new Map<string, PackageInfo>()
  for (const input of Object.keys(metafile.inputs)) {
    if (!input.split(/[\\/]/).includes('node_modules')) continue
    const info = await owningPackage(join(ROOT, input))
    if (info) packages.set(`${info.name}@${info.version}`, info)
  }
  const sorted = [...packages.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const entries: string[] = []
  for (const [, info] of sorted)
    entries.push(`${info.name}@${info.version}\n${info.license}\n${await licenseText(info.dir)}`)
  return `${entries.join('\n\n')}\n`
}

/** Output files run at start-up: the entry and every chunk it imports statically. */
function startupOutputs(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    for (const imported of metafile.outputs[file]?.imports ?? [])
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path)
  }
  visit(entry)
  return [...seen]
}

/** Start-up must not carry undici: cold start is what the stand-in is for. */
function checkStartup(metafile: Metafile, standInUsed: boolean): void {
  if (!standInUsed) return
  const entry = relative(ROOT, join(OUT, 'index.js')).split(sep).join('/')
  for (const file of startupOutputs(metafile, entry)) {
    const undici = Object.keys(metafile.outputs[file]?.inputs ?? {}).find(input =>
      input.includes('node_modules/undici/')
    )
    if (undici)
      throw new Error(
        `${file} (loaded at start-up) bundles ${undici}: something new imports undici`
      )
  }
}

async function main(): Promise<void> {
  await rm(OUT, { recursive: true, force: true })
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { index: 'src/index.ts' },
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    splitting: true,
    minify: true,
    chunkNames: 'chunks/[name]-[hash]',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [undiciStandIn(), builtinsThroughRequire()],
    // CommonJS dependencies (tunnel, undici) require() Node built-ins; ESM has no `require`.
    banner: {
      js: "import{createRequire as __pcaRequire}from'node:module';const require=__pcaRequire(import.meta.url);"
    }
  })
  const standInUsed = Object.keys(result.metafile.inputs).some(input =>
    input.startsWith(`${STAND_IN_NAMESPACE}:`)
  )
  checkStartup(result.metafile, standInUsed)
  await mkdir(OUT, { recursive: true })
  await writeFile(join(OUT, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`)
  await writeFile(join(OUT, 'licenses.txt'), await licenses(result.metafile))
  for (const [file, output] of Object.entries(result.metafile.outputs))
    console.log(`${String(Math.round(output.bytes / 1024)).padStart(6)} kB  ${file}`)
  console.log(`undici stand-in: ${standInUsed ? 'on' : 'off'}`)
}

await main()
