/**
 * The architecture's one direction, as ESLint holds it: a command that imports src/github (or
 * the runner) fails lint. The real eslint.config.js decides; the planted source is linted with
 * that file's no-restricted-imports rule as it applies to a file under src/commands.
 */
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { ROOT } from './support/action.js'

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const project = new ESLint({ cwd: ROOT })
  const config = (await project.calculateConfigForFile(filePath)) as {
    rules?: Record<string, unknown>
  }
  const rule = config.rules?.['no-restricted-imports']
  expect(rule).toBeDefined()
  // Only that rule, without type information: the planted file needs no TypeScript program.
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        rules: { 'no-restricted-imports': rule as 'error' }
      }
    ]
  })
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).map(message => message.message)
}

describe('architecture', () => {
  test.each([
    "import type { GitHubClient } from '../github/client.js'",
    "import { githubDeployments } from '../github/deployment.js'",
    "export type { StackComment } from '../github/sticky-comment.js'",
    "import { execute } from '../execute.js'"
  ])('a command may not %s', async line => {
    const messages = await restrictedImports('src/commands/planted.ts', `${line}\n`)
    expect(messages).toHaveLength(1)
  })

  test('a command may import its context', async () => {
    const line = "import type { StackComment } from './context.js'\n"
    expect(await restrictedImports('src/commands/planted.ts', line)).toEqual([])
  })
})
