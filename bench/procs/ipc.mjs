// The helper-process side of lib.mjs spawnNode(): answers {id, cmd, ...} requests with
// {id, value} or {id, error}, and exits when asked or when the parent goes away.
export function serveCommands(handlers, { onExit } = {}) {
  let exiting = false
  const exit = async () => {
    if (exiting) return
    exiting = true
    const force = setTimeout(() => process.exit(0), 2_000)
    force.unref()
    try {
      await onExit?.()
    } finally {
      process.exit(0)
    }
  }
  process.on('disconnect', () => void exit())
  process.on('message', async (message) => {
    if (message.cmd === 'exit') {
      await exit()
      return
    }
    const handler = handlers[message.cmd]
    try {
      if (handler === undefined) throw new Error(`unknown command ${message.cmd}`)
      const value = await handler(message)
      process.send?.({ id: message.id, value })
    } catch (error) {
      process.send?.({
        id: message.id,
        error: error instanceof Error ? error.stack : String(error),
      })
    }
  })
}

export const hrNow = () => Number(process.hrtime.bigint())
