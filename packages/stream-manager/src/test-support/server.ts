import { createServer } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'

export interface TestServerOptions {
  /** Answer client pings (default true). */
  readonly autoPong?: boolean
  /** Runs for every new client. */
  readonly onConnection?: (socket: WebSocket, request: IncomingMessage) => void
}

export interface Received {
  readonly connection: number
  readonly data: string
}

/** A real `ws` server on 127.0.0.1, port 0 (or the same port again after `restart`). */
export interface TestServer {
  readonly url: string
  readonly port: number
  /** Clients connected now. */
  readonly clients: ReadonlySet<WebSocket>
  /** Connections accepted so far (1-based ids). */
  readonly connections: number
  readonly received: readonly Received[]
  readonly requests: readonly IncomingMessage[]
  send(data: string | Buffer, options?: { binary?: boolean }): void
  /** Abrupt: sockets destroyed without a close handshake. */
  terminateAll(): void
  close(): Promise<void>
  /** Closes everything and listens again on the same port. */
  restart(downMs?: number): Promise<void>
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const clients = new Set<WebSocket>()
  const received: Received[] = []
  const requests: IncomingMessage[] = []
  let connections = 0
  let http: Server | undefined
  let wss: WebSocketServer | undefined

  async function listen(port: number): Promise<number> {
    const server = createServer()
    const sockets = new WebSocketServer({ server, autoPong: options.autoPong ?? true })
    sockets.on('connection', (socket, request) => {
      connections++
      const id = connections
      clients.add(socket)
      requests.push(request)
      socket.on('message', (data, isBinary) => {
        received.push({
          connection: id,
          data: isBinary ? '<binary>' : Buffer.from(data as Buffer).toString('utf8'),
        })
      })
      socket.on('close', () => clients.delete(socket))
      socket.on('error', () => undefined)
      options.onConnection?.(socket, request)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        resolve()
      })
    })
    http = server
    wss = sockets
    return (server.address() as AddressInfo).port
  }

  async function shutdown(): Promise<void> {
    for (const socket of clients) socket.terminate()
    clients.clear()
    const server = http
    const sockets = wss
    http = undefined
    wss = undefined
    await new Promise<void>((resolve) => {
      if (sockets === undefined) resolve()
      else
        sockets.close(() => {
          resolve()
        })
    })
    await new Promise<void>((resolve) => {
      if (server === undefined) {
        resolve()
        return
      }
      server.closeAllConnections()
      server.close(() => {
        resolve()
      })
    })
  }

  const port = await listen(0)
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    port,
    clients,
    get connections() {
      return connections
    },
    received,
    requests,
    send(data, sendOptions = {}) {
      for (const socket of clients) {
        if (socket.readyState === WebSocket.OPEN)
          socket.send(data, { binary: sendOptions.binary ?? false })
      }
    },
    terminateAll() {
      for (const socket of clients) socket.terminate()
    },
    close: shutdown,
    async restart(downMs = 0) {
      await shutdown()
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs))
      await listen(port)
    },
  }
}
