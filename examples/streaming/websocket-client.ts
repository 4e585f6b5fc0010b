// A Node client of the crypto-analyzer WebSocket server. Without `--url` it first starts a server
// in this process (mock prices, a free port), so it runs on its own; with
// `--url ws://127.0.0.1:8000/ws` it connects to one you started (`crypto-analyzer stream start`).
// It joins the `prices` and `status` rooms, prints each message with its exact decimals, and
// reconnects with `since` so no update is missed across a short outage.
//
//   pnpm -F @crypto-analyzer/examples-streaming websocket-client -- --duration 5
//   pnpm -F @crypto-analyzer/examples-streaming websocket-client -- --url ws://127.0.0.1:8000/ws
//   pnpm -F @crypto-analyzer/examples-streaming websocket-client -- --provider coinbase --symbols BTC,ETH
import { stateHome } from '@crypto-analyzer/config'
import { decodeServerMessage, formatDecimal } from '@crypto-analyzer/core-events'
import type { ServerMessage } from '@crypto-analyzer/core-events'
import { startService } from '@crypto-analyzer/ws-server'
import type { RunningService } from '@crypto-analyzer/ws-server'
import WebSocket from 'ws'
import { parseExampleOptions, stopAfter } from './lib/options.js'

const options = parseExampleOptions(
  'websocket-client: a Node client of the WebSocket server (starts one unless --url is given)',
  { url: { type: 'string' }, token: { type: 'string' }, room: { type: 'string', multiple: true } },
  `Own flags:
  --url <ws-url>     a running server's WebSocket endpoint, e.g. ws://127.0.0.1:8000/ws
  --token <token>    the server's token, when it has one (sent as Authorization: Bearer)
  --room <room>      rooms to join (repeatable; default prices and status), e.g. prices:BTC, portfolio, alerts`,
)
const urlFlag = options.extra['url']
const token = options.extra['token']
const roomFlags = options.extra['room']
const rooms = Array.isArray(roomFlags) ? roomFlags.map(String) : ['prices', 'status']

let service: RunningService | undefined
let url: string
if (typeof urlFlag === 'string') {
  url = urlFlag
} else {
  // The same composition `crypto-analyzer stream start` and apps/server run: feeds → bus →
  // portfolio and alerts → WebSocket fan-out. Port 0 picks a free port.
  service = await startService({
    port: 0,
    provider: options.provider,
    fallback: options.fallback,
    symbols: options.symbols,
    quote: options.quote,
    interval: options.interval,
    seed: options.seed,
    urls: { binance: options.binanceUrl, coinbase: options.coinbaseUrl },
    token: typeof token === 'string' ? token : undefined,
    home: stateHome(process.env),
  })
  url = `${service.url.replace(/^http/, 'ws')}/ws`
  console.log(`started a server at ${service.url} (dashboard there, WebSocket at ${url})`)
}

const time = (ms: number): string => new Date(ms).toISOString().slice(11, 23)

function print(message: ServerMessage): void {
  switch (message.type) {
    case 'price_update': {
      const { symbol, price, changePercent24h, source } = message.data
      console.log(
        `${time(message.timestamp)} #${String(message.seq ?? '-')} ${symbol.padEnd(5)} ` +
          `${formatDecimal(price).padStart(12)} ${changePercent24h.toFixed(2).padStart(6)}% (${source})`,
      )
      break
    }
    case 'feed_status':
      console.log(`${time(message.timestamp)} feed ${message.data.provider} ${message.data.state}`)
      break
    case 'portfolio_update':
      console.log(`${time(message.timestamp)} portfolio ${formatDecimal(message.data.totalValue)}`)
      break
    case 'alert_triggered':
      console.log(
        `${time(message.timestamp)} alert ${message.data.symbol}: ${message.data.message}`,
      )
      break
    case 'room_joined':
    case 'room_left':
      console.log(`${time(message.timestamp)} ${message.type} ${message.room}`)
      break
    case 'error':
      console.error(`server error ${message.data.code}: ${message.data.message}`)
      break
    case 'pong':
      break
  }
}

// The last seq seen per room: on a reconnect `join_room` with `since` replays what was missed
// (when the server still has it in its bounded history; otherwise it sends the latest state).
const lastSeq = new Map<string, number>()
let socket: WebSocket | undefined
let stopped = false
let retryDelay = 500
let retryTimer: NodeJS.Timeout | undefined
let received = 0

function connect(): void {
  const headers: Record<string, string> =
    typeof token === 'string' ? { authorization: `Bearer ${token}` } : {}
  const ws = new WebSocket(url, { headers })
  socket = ws
  ws.on('open', () => {
    retryDelay = 500
    for (const room of rooms) {
      const since = lastSeq.get(room)
      ws.send(
        JSON.stringify({ type: 'join_room', room, ...(since === undefined ? {} : { since }) }),
      )
    }
  })
  ws.on('message', (data: Buffer) => {
    // decodeServerMessage keeps every number exact (never read through a float).
    const decoded = decodeServerMessage(data.toString('utf8'))
    if (!decoded.ok) {
      console.error(`unreadable message: ${decoded.error.message}`)
      return
    }
    const message = decoded.value
    if (message.type === 'price_update') received += 1
    if ('seq' in message && message.seq !== undefined) {
      const room = message.type === 'price_update' ? roomOf(message.data.symbol) : undefined
      if (room !== undefined) lastSeq.set(room, message.seq)
    }
    print(message)
  })
  ws.on('error', (error) => {
    console.error(`connection error: ${error.message}`)
  })
  ws.on('close', (code, reason) => {
    if (stopped) return
    console.error(
      `closed (${String(code)} ${reason.toString()}); reconnecting in ${String(retryDelay)} ms`,
    )
    retryTimer = setTimeout(connect, retryDelay)
    retryDelay = Math.min(retryDelay * 2, 10_000)
  })
}

// Price updates arrive on `prices` and on `prices:<SYMBOL>`; each room has its own seq.
function roomOf(symbol: string): string | undefined {
  if (rooms.includes('prices')) return 'prices'
  const own = `prices:${symbol}`
  return rooms.includes(own) ? own : undefined
}

console.log(`connecting to ${url}, joining ${rooms.join(', ')}`)
connect()

stopAfter(options.duration, async () => {
  stopped = true
  if (retryTimer !== undefined) clearTimeout(retryTimer)
  const ws = socket
  if (ws !== undefined && ws.readyState !== WebSocket.CLOSED) {
    await new Promise<void>((resolve) => {
      ws.once('close', () => {
        resolve()
      })
      ws.close(1000, 'client done')
    })
  }
  await service?.close()
  console.log(`received ${String(received)} price updates`)
})
