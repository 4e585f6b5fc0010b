/** The three keys of one room in Redis: its seq counter, its stream, its latest-state hash. */
export interface RoomKeys {
  readonly seq: string
  readonly stream: string
  readonly latest: string
}

/** Every Redis key of one service; each starts with the service's prefix. */
export interface ClusterKeys {
  /** The lease: the leader's node id, with the lease as its expiry. */
  readonly leader: string
  /** The fencing epoch, bumped on every new term and every release. */
  readonly epoch: string
  /** The node registry: a sorted set of node ids scored by their last heartbeat. */
  readonly nodes: string
  /** The leader's feed status (JSON), for the other nodes' `/status` and `/health`. */
  readonly feeds: string
  /** The node whose engine last fired an alert. */
  claim(alertId: string): string
  room(name: string): RoomKeys
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    leader: `${prefix}leader`,
    epoch: `${prefix}epoch`,
    nodes: `${prefix}nodes`,
    feeds: `${prefix}feeds`,
    claim: (alertId) => `${prefix}alert:${alertId}:claim`,
    room: (name) => ({
      seq: `${prefix}room:${name}:seq`,
      stream: `${prefix}room:${name}:stream`,
      latest: `${prefix}room:${name}:latest`,
    }),
  }
}
