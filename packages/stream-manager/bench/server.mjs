// The bench's local upstream: a bare ws server in its own process, driven over IPC, so the
// client-side figures (wall time and CPU time) are not mixed with the server's work.
import { WebSocketServer } from 'ws'

const frame = Buffer.from(process.env.BENCH_FRAME ?? '{}')
let wss

function listen(port) {
  return new Promise((resolve) => {
    wss = new WebSocketServer({ host: '127.0.0.1', port }, () => resolve(wss.address().port))
  })
}

async function blast(count) {
  for (const client of wss.clients) {
    for (let sent = 0; sent < count;) {
      const batch = Math.min(1000, count - sent)
      for (let i = 0; i < batch - 1; i++) client.send(frame, { binary: false })
      await new Promise((resolve) => client.send(frame, { binary: false }, resolve))
      sent += batch
    }
  }
}

process.on('message', async (msg) => {
  if (msg.cmd === 'listen') process.send({ port: await listen(0) })
  if (msg.cmd === 'blast') {
    await blast(msg.count)
    process.send({ done: true })
  }
  if (msg.cmd === 'kill') {
    // Abrupt, like a crashed server or a dropped route: no close handshake.
    for (const client of wss.clients) client.terminate()
    process.send({ killed: true })
  }
  if (msg.cmd === 'close') {
    for (const client of wss.clients) client.terminate()
    wss.close(() => {
      process.send({ closed: true })
      process.disconnect()
    })
  }
})
