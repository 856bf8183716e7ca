/**
 * Flat memory for long downloads. Node's HTTP client reads the socket into a fresh 64 KiB
 * buffer each time; a chunk dies as soon as it is hashed and written, but its memory lives
 * outside the JavaScript heap and is freed only when V8 collects. Almost nothing is allocated
 * on the heap meanwhile, so on Node 24 no collection comes until ~64 MiB of dead buffers have
 * piled up: a 200 MB export peaked at ~135 MiB there (85 MiB on Node 20), and touching fresh
 * pages all the way cost time too. Measured on the bench (bench/results.md): a young-generation
 * collection every few MiB of body keeps the peak near the process's own size, for well under
 * a millisecond each, and the download gets faster, not slower.
 *
 * The collector comes from V8's own `gc` extension, exposed to a fresh context (the flag
 * applies to contexts made after it is set). Where that is unavailable it is a no-op and
 * memory is as it was; it never changes what is downloaded.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Body bytes between two collections: small enough to keep the peak low, large enough to be free. */
export const RELEASE_EVERY_BYTES = 4 * 1024 * 1024

type Collector = (options: { type: 'minor' }) => void

let collector: Collector | null | undefined

function young(): Collector | null {
  if (collector !== undefined) return collector
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    collector = typeof gc === 'function' ? (gc as Collector) : null
  } catch {
    collector = null
  }
  return collector
}

/** Counts body bytes as they pass and frees the dead read buffers every RELEASE_EVERY_BYTES. */
export class ReadBufferRelease {
  private pending = 0

  add(bytes: number): void {
    this.pending += bytes
    if (this.pending < RELEASE_EVERY_BYTES) return
    this.pending = 0
    young()?.({ type: 'minor' })
  }
}
