import { createEmitter, silentLogger, systemClock } from '@crypto-analyzer/core-events'
import type { Emitter } from '@crypto-analyzer/core-events'
import { StreamError } from './errors.js'
import { resolveManagerOptions, resolveStreamConfig } from './internal/config.js'
import { Connection } from './internal/connection.js'
import type { ConnectionHost } from './internal/connection.js'
import { createEntry } from './internal/stream-entry.js'
import type { StreamEntry } from './internal/stream-entry.js'
import type {
  StreamManager,
  StreamManagerOptions,
  StreamMessage,
  StreamMetrics,
  StreamStateChange,
} from './types.js'

/**
 * Creates a manager of resilient upstream WebSocket streams: backoff with full jitter, protocol
 * heartbeats, stale and half-alive detection, proactive reconnects, pooling, a rate-limited bounded
 * outgoing queue and per-stream metrics. Nothing connects before `start()`.
 */
export function createStreamManager(options: StreamManagerOptions = {}): StreamManager {
  const { maxStreamsPerConnection, closeTimeout } = resolveManagerOptions(options)
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const random = options.random ?? Math.random

  const entries = new Map<string, StreamEntry>()
  const connections = new Set<Connection>()
  const pools = new Map<string, Connection[]>()
  const threw =
    (what: string) =>
    (error: unknown): void => {
      logger.debug({ error: String(error) }, `stream-manager: ${what} handler threw`)
    }
  // Manager-wide listeners; each stream's own (StreamConfig.onMessage/onStateChange) go first.
  const messages = createEmitter<StreamMessage>({ onError: threw('message') })
  const stateChanges = createEmitter<StreamStateChange>({ onError: threw('state') })
  let started = false

  /** Runs a stream's own listener; a throw is logged with the stream's id and goes no further. */
  const callOwn = <T>(listener: (value: T) => void, value: T, streamId: string, what: string) => {
    try {
      listener(value)
    } catch (error) {
      logger.debug({ streamId, error: String(error) }, `stream-manager: ${what} handler threw`)
    }
  }

  const listen = <T>(emitter: Emitter<T>, handler: (value: T) => void, call: string) => {
    if (typeof handler !== 'function') {
      throw new StreamError(
        'invalid-config',
        `${call} takes a function called with each event, got ${typeof handler}`,
      )
    }
    return emitter.on(handler)
  }

  const host: ConnectionHost = {
    clock,
    logger,
    random,
    closeTimeout,
    deliver(streams, data, bytes, receivedAt) {
      const everyone = messages.size > 0
      for (const entry of streams) {
        if (entry.removed) continue
        entry.messagesReceived++
        entry.bytesReceived += bytes
        entry.lastMessageAt = receivedAt
        const own = entry.config.onMessage
        if (own === undefined && !everyone) continue
        const message: StreamMessage = { streamId: entry.id, data, bytes, receivedAt }
        if (own !== undefined) callOwn(own, message, entry.id, 'message')
        if (everyone) messages.emit(message)
      }
    },
    transition(entry, state, reason, code, attempt, retryInMs) {
      const previous = entry.state
      if (previous === state) return
      const at = clock.now()
      entry.state = state
      entry.lastReason = reason
      entry.attempt = attempt
      if (state === 'connected') entry.connectedAt = at
      else if (state !== 'stale') entry.connectedAt = undefined
      const change: StreamStateChange =
        retryInMs === undefined
          ? { streamId: entry.id, previous, state, reason, reasonCode: code, at, attempt }
          : {
              streamId: entry.id,
              previous,
              state,
              reason,
              reasonCode: code,
              at,
              attempt,
              retryInMs,
            }
      const level = state === 'failed' ? 'warn' : 'debug'
      logger[level](
        { streamId: entry.id, previous, state, reason, attempt, retryInMs },
        `stream-manager: ${entry.id} ${previous} -> ${state}`,
      )
      const own = entry.config.onStateChange
      if (own !== undefined) callOwn(own, change, entry.id, 'state')
      stateChanges.emit(change)
    },
  }

  function attach(entry: StreamEntry): Connection {
    const { config } = entry
    let connection: Connection | undefined
    if (config.pooled) {
      connection = pools
        .get(config.poolKey)
        ?.find(
          (c) =>
            c.streams.length < maxStreamsPerConnection &&
            c.state !== 'failed' &&
            c.state !== 'stopped',
        )
    }
    if (connection === undefined) {
      connection = new Connection(
        config.connection,
        config.pooled ? config.poolKey : undefined,
        host,
      )
      connections.add(connection)
      if (config.pooled) {
        const list = pools.get(config.poolKey)
        if (list === undefined) pools.set(config.poolKey, [connection])
        else list.push(connection)
      }
    }
    connection.add(entry)
    return connection
  }

  function forget(connection: Connection): void {
    connections.delete(connection)
    if (connection.poolKey === undefined) return
    const list = pools.get(connection.poolKey)
    if (list === undefined) return
    const rest = list.filter((c) => c !== connection)
    if (rest.length === 0) pools.delete(connection.poolKey)
    else pools.set(connection.poolKey, rest)
  }

  function entryOf(streamId: string, call: string): StreamEntry {
    const entry = entries.get(streamId)
    if (entry === undefined) {
      throw new StreamError(
        'unknown-stream',
        `${call}: no stream "${streamId}" is registered; add it with addStream first (known: ${[...entries.keys()].join(', ') || 'none'})`,
        { streamId },
      )
    }
    return entry
  }

  function metrics(entry: StreamEntry): StreamMetrics {
    const { config } = entry
    const live = entry.state === 'connected' || entry.state === 'stale'
    return {
      streamId: entry.id,
      url: config.url,
      state: entry.state,
      symbols: config.symbols,
      messagesReceived: entry.messagesReceived,
      bytesReceived: entry.bytesReceived,
      droppedFrames: entry.droppedOversize + entry.droppedInvalidUtf8,
      droppedOversize: entry.droppedOversize,
      droppedInvalidUtf8: entry.droppedInvalidUtf8,
      droppedOutgoing: entry.droppedOutgoing,
      messagesSent: entry.messagesSent,
      reconnects: entry.reconnects,
      uptimeSeconds:
        live && entry.connectedAt !== undefined
          ? Math.max(0, clock.now() - entry.connectedAt) / 1000
          : 0,
      latencyMs: entry.latencyMs,
      lastPongAt: entry.lastPongAt,
      lastMessageAt: entry.lastMessageAt,
      connectedAt: live ? entry.connectedAt : undefined,
      queuedOutgoing: entry.queued,
      attempt: entry.attempt,
      lastReason: entry.lastReason,
      connectionStreams: entry.connection?.streams.length ?? 0,
    }
  }

  function encode(streamId: string, message: string | object): string {
    if (typeof message === 'string') return message
    let frame: unknown
    try {
      frame = JSON.stringify(message)
    } catch (error) {
      throw new StreamError(
        'invalid-message',
        `send("${streamId}"): the message cannot be encoded as JSON (${String(error)}); pass a string or a plain object`,
        { streamId, cause: error },
      )
    }
    if (typeof frame !== 'string') {
      throw new StreamError(
        'invalid-message',
        `send("${streamId}"): the message encodes to nothing; pass a string or a plain object`,
        { streamId },
      )
    }
    return frame
  }

  const manager: StreamManager = {
    start() {
      if (started) return
      started = true
      for (const entry of entries.values()) {
        if (entry.connection === undefined) attach(entry)
      }
      for (const connection of [...connections]) connection.start()
    },

    async stop() {
      started = false
      const all = [...connections]
      connections.clear()
      pools.clear()
      const closing = all.map((c) => c.shutdown('stop()', 'stop'))
      for (const entry of entries.values()) {
        entry.connection = undefined
        entry.queued = 0
        host.transition(entry, 'stopped', 'stop()', 'stop', 0)
      }
      await Promise.all(closing)
    },

    addStream(config) {
      const resolved = resolveStreamConfig(config)
      if (entries.has(resolved.streamId)) {
        throw new StreamError(
          'duplicate-stream',
          `addStream: a stream "${resolved.streamId}" is already registered; pick another streamId or removeStream it first`,
          { streamId: resolved.streamId },
        )
      }
      const entry = createEntry(resolved)
      entries.set(entry.id, entry)
      const connection = attach(entry)
      if (started) connection.start()
    },

    async removeStream(streamId) {
      const entry = entries.get(streamId)
      if (entry === undefined) return
      entries.delete(streamId)
      entry.removed = true
      const connection = entry.connection
      const closing = connection?.remove(entry)
      if (connection?.streams.length === 0) forget(connection)
      // Detached, the entry no longer hears connection news: its final state is announced here.
      host.transition(entry, 'stopped', 'removeStream()', 'removed', 0)
      await closing
    },

    send(streamId, message) {
      const entry = entryOf(streamId, 'send')
      const frame = encode(streamId, message)
      const connection = entry.connection
      let sent = false
      if (connection !== undefined && entry.state !== 'failed' && entry.state !== 'stopped') {
        sent = connection.send(entry, frame)
      }
      if (!sent) {
        entry.droppedOutgoing++
        logger.debug(
          {
            streamId,
            state: entry.state,
            queued: entry.queued,
            droppedOutgoing: entry.droppedOutgoing,
          },
          'stream-manager: outgoing frame dropped',
        )
      }
      return sent
    },

    reconnect(streamId, reason) {
      const entry = entryOf(streamId, 'reconnect')
      if (!started) return
      entry.connection?.reconnectNow(reason)
    },

    getStreamMetrics(streamId) {
      const entry = entries.get(streamId)
      return entry === undefined ? undefined : metrics(entry)
    },

    getAllMetrics() {
      return [...entries.values()].map(metrics)
    },

    onMessage: (handler) => listen(messages, handler, 'onMessage'),
    onStateChange: (handler) => listen(stateChanges, handler, 'onStateChange'),
    messages$: messages.observable(),
    stateChanges$: stateChanges.observable(),
  }
  return manager
}
