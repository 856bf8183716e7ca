import { readFile, writeFile } from 'node:fs/promises'
import { renderActionYml, renderReadme } from './docs.js'

await writeFile('action.yml', renderActionYml())
await writeFile('README.md', renderReadme(await readFile('README.md', 'utf8')))
console.log('action.yml and README.md regenerated')
