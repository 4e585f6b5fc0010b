import WebSocket from 'ws'
import type { ClientOptions } from 'ws'
import { waitFor } from '@crypto-analyzer/test-support'

export interface Closed {
  code: number
  reason: string
}

/** A raw `ws` client that records everything the server sends. */
export interface TestClient {
  readonly ws: WebSocket
  /** Text frames, in order. */
  readonly texts: string[]
  /** `Date.now()` when each text frame arrived. */
  readonly textTimes: number[]
  /** Binary frames, in order. */
  readonly binaries: Buffer[]
  readonly pings: Buffer[]
  /** Errors the client raised (e.g. `WS_ERR_INVALID_UTF8`), by their `code`. */
  readonly errors: string[]
  readonly closed: Promise<Closed>
  isClosed(): boolean
  send(message: unknown): void
  /** Parsed text frames (a frame that is not JSON stays a string). */
  json(): unknown[]
  /** Resolves with the first parsed frame (from index `from`) that matches. */
  next(
    match: (frame: Record<string, unknown>) => boolean,
    from?: number,
  ): Promise<Record<string, unknown>>
  close(): Promise<void>
}

/** Sends a marker with `sendRaw` and waits for it: everything sent before it has arrived. */
export async function drain(
  server: { sendRaw(data: string): void },
  client: TestClient,
): Promise<void> {
  const marker = `drain-${String(Math.random())}`
  server.sendRaw(marker)
  await waitFor(() => client.texts.includes(marker), 'the drain marker')
}

export async function connect(url: string, options?: ClientOptions): Promise<TestClient> {
  const ws = new WebSocket(url, options)
  const texts: string[] = []
  const textTimes: number[] = []
  const binaries: Buffer[] = []
  const pings: Buffer[] = []
  const errors: string[] = []
  let done = false
  const closed = new Promise<Closed>((resolve) => {
    ws.on('close', (code, reason) => {
      done = true
      resolve({ code, reason: reason.toString() })
    })
  })
  ws.on('error', (error: NodeJS.ErrnoException) => {
    errors.push(error.code ?? error.message)
  })
  ws.on('ping', (payload) => pings.push(payload))
  ws.on('message', (data, isBinary) => {
    const buffer = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data)
    if (isBinary) binaries.push(buffer)
    else {
      texts.push(buffer.toString('utf8'))
      textTimes.push(Date.now())
    }
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve()
    })
    ws.once('error', reject)
    ws.once('unexpected-response', (_request, response) => {
      reject(new Error(`unexpected response ${String(response.statusCode)}`))
    })
  })
  // Non-JSON frames (sendRaw) stay as their text so indices match `texts`.
  const parsed = (): unknown[] =>
    texts.map((text) => {
      try {
        return JSON.parse(text) as unknown
      } catch {
        return text
      }
    })
  return {
    ws,
    texts,
    textTimes,
    binaries,
    pings,
    errors,
    closed,
    isClosed: () => done,
    send: (message) => {
      ws.send(typeof message === 'string' ? message : JSON.stringify(message))
    },
    json: parsed,
    next: async (match, from = 0) => {
      let found: Record<string, unknown> | undefined
      await waitFor(() => {
        found = parsed()
          .slice(from)
          .find(
            (frame): frame is Record<string, unknown> =>
              typeof frame === 'object' &&
              frame !== null &&
              match(frame as Record<string, unknown>),
          )
        return found !== undefined
      }, 'a matching frame')
      return found!
    },
    close: async () => {
      if (!done) {
        ws.close()
        await closed
      }
    },
  }
}

/** The HTTP status a failed handshake got. */
export async function handshakeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.on('error', () => undefined)
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      ws.terminate()
    })
    ws.once('open', () => {
      ws.terminate()
      reject(new Error('handshake unexpectedly succeeded'))
    })
  })
}

/** Exact decimal difference of two decimal strings, as a string with `decimals` digits (test oracle). */
export function subtract(a: string, b: string, decimals: number): string {
  const scale = (text: string): bigint => {
    const [whole = '0', fraction = ''] = text.replace('-', '').split('.')
    const value = BigInt(whole + fraction.padEnd(decimals, '0'))
    return text.startsWith('-') ? -value : value
  }
  const diff = scale(a) - scale(b)
  const sign = diff < 0n ? '-' : ''
  const digits = (diff < 0n ? -diff : diff).toString().padStart(decimals + 1, '0')
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`
}
