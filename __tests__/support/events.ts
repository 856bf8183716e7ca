import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { EngineEvent } from '../../src/api/types.js'
import { ROOT } from './action.js'

/** One of the engine event streams under __tests__/fixtures/events/. */
export function fixture(name: string): EngineEvent[] {
  return JSON.parse(
    readFileSync(join(ROOT, '__tests__', 'fixtures', 'events', `${name}.json`), 'utf8')
  ) as EngineEvent[]
}
