import type { FrameParser, ParsedFrame } from '../parsers.js'
import { DropFrame } from './fields.js'
import { marketMap } from './markets.js'
import type { ExchangeVenue } from './venues/venue.js'

/**
 * One venue's frame parser: its fast ticker reader first, else `JSON.parse` and its
 * classification. Never throws: a malformed frame comes back as `{kind: 'dropped', reason}`.
 * `quote` and `symbols` are taken as valid (checked by the caller).
 */
export function createVenueParser(
  venue: ExchangeVenue,
  quote: string,
  symbols: readonly string[] | undefined,
): FrameParser {
  const markets = marketMap(venue, quote, symbols)
  const { readTicker, classify } = venue.frames
  const values: unknown[] = []
  return {
    parse(text, receivedAt) {
      try {
        // Tickers, nearly every frame, are read without building the whole object; anything
        // else (or anything unusual) takes the JSON.parse way below, with the same verdict.
        const ticker = readTicker(text, receivedAt, markets, values)
        if (ticker !== undefined) return ticker
      } catch (error) {
        return dropped(error)
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return { kind: 'dropped', reason: 'invalid-json', detail: 'frame is not valid JSON' }
      }
      try {
        return classify(json, receivedAt, markets)
      } catch (error) {
        return dropped(error)
      }
    },
  }
}

function dropped(error: unknown): ParsedFrame {
  if (error instanceof DropFrame) {
    return { kind: 'dropped', reason: error.reason, detail: error.message }
  }
  return { kind: 'dropped', reason: 'wrong-type', detail: String(error) }
}
