import type { Hook } from '@oclif/core'
import { Errors } from '@oclif/core'
import { closestMatches } from '../internal/suggest.js'

/**
 * `crypto-analyzer stream moniter` → exit 2 with "did you mean stream monitor?". Loaded only when
 * no command matched, so it costs nothing on the normal path.
 */
const hook: Hook.CommandNotFound = function (options) {
  const spaced = (id: string): string => id.split(':').join(' ')
  const typed = spaced(options.id)
  // With a space separator `strem monitor` arrives as id `strem` and argv `monitor`.
  const [next] = options.argv ?? []
  const withNext = next !== undefined && !next.startsWith('-') ? `${typed} ${next}` : typed
  const candidates = options.config.commandIDs.filter((id) => !id.startsWith('help')).map(spaced)
  const guesses = [
    ...new Set([
      ...closestMatches(withNext, candidates, 3),
      ...closestMatches(typed, candidates, 3),
    ]),
  ].slice(0, 3)
  const bin = options.config.bin
  throw new Errors.CLIError(`"${typed}" is not a ${bin} command.`, {
    exit: 2,
    suggestions: [
      ...guesses.map((guess) => `${bin} ${guess}`),
      `${bin} --help lists every command`,
    ],
  })
}

export default hook
