import type { Clock, Logger } from '@crypto-analyzer/core-events'
import type { FeedStatusSource, ProviderStatusLike } from '../types.js'
import type { ClusterCounters } from './counters.js'
import { parseFeeds } from './feeds.js'
import type { ClusterKeys } from './keys.js'
import type { Script } from './redis.js'

export interface RegistryOptions {
  readonly nodeId: string
  readonly leaseMs: number
  readonly renewInterval: number
  readonly clock: Clock
  readonly logger: Logger
  readonly keys: ClusterKeys
  readonly counters: ClusterCounters
  readonly scripts: { readonly heartbeat: Script; readonly leave: Script }
  /** Whether this node leads now: the leader shares its feeds, the others read them. */
  readonly leading: () => boolean
  readonly localFeeds: () => FeedStatusSource
}

/**
 * The node registry: a heartbeat per round puts this node in the service's sorted set (with
 * Redis's clock, as nodes on other hosts may disagree on the time) and reads back who leads, who
 * is alive, and the leader's feed status, which the leader shares in the same call.
 */
export class Registry {
  /** The leader's node id as of the last heartbeat, `''` when none leads. */
  leaderId = ''
  /** Every live node, this one included, sorted. */
  nodes: readonly string[] = []
  /** The leader's feeds, as of the last heartbeat while this node did not lead. */
  remoteFeeds: readonly ProviderStatusLike[] = []
  private lastHeartbeatOk: number | undefined
  /** The feeds text `remoteFeeds` was read from: an unchanged value is neither re-read nor recounted. */
  private feedsText = ''

  constructor(private readonly options: RegistryOptions) {}

  /** Whether the last heartbeat is recent enough to call Redis reachable. */
  get fresh(): boolean {
    const { clock, renewInterval } = this.options
    return (
      this.lastHeartbeatOk !== undefined &&
      clock.now() - this.lastHeartbeatOk <= renewInterval * 3 + 1000
    )
  }

  async heartbeat(): Promise<void> {
    const { clock, counters, keys, leaseMs, logger, nodeId, renewInterval } = this.options
    const feeds = this.options.leading()
      ? JSON.stringify(this.options.localFeeds().getStatus().providers)
      : ''
    const reply = await this.options.scripts.heartbeat(
      3,
      keys.nodes,
      keys.leader,
      keys.feeds,
      nodeId,
      leaseMs + renewInterval * 2,
      feeds,
      renewInterval * 4,
    )
    if (!Array.isArray(reply) || !reply.every((item) => typeof item === 'string')) {
      throw new Error('the heartbeat script answered something other than a list of strings')
    }
    const [leaderId = '', sharedFeeds = '', ...nodes] = reply
    this.lastHeartbeatOk = clock.now()
    this.leaderId = leaderId
    this.nodes = nodes.sort()
    if (this.options.leading() || sharedFeeds === this.feedsText) return
    this.feedsText = sharedFeeds
    const remote = parseFeeds(sharedFeeds)
    this.remoteFeeds = remote.providers
    if (remote.invalid > 0) {
      counters.invalidEntries += remote.invalid
      logger.debug(
        { key: keys.feeds, dropped: remote.invalid },
        "cluster: dropped invalid entries of the leader's feed status read from redis",
      )
    }
  }

  /** This node leads from now on (until the next heartbeat says otherwise). */
  leads(): void {
    this.leaderId = this.options.nodeId
  }

  /** Takes this node out of the registry at once. */
  async leave(): Promise<void> {
    await this.options.scripts.leave(1, this.options.keys.nodes, this.options.nodeId)
  }
}
