// Lua scripts run atomically by Redis. Keys are passed in KEYS (never built inside a script).

/**
 * Leader lease: take it when free (or already ours) and bump the fencing epoch.
 * KEYS: leader, epoch. ARGV: nodeId, leaseMs. Returns the new epoch, or 0 when another node holds it.
 */
export const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return redis.call('INCR', KEYS[2])
end
return 0
`

/** KEYS: leader, epoch. ARGV: nodeId, leaseMs, epoch. 1 when still ours (and renewed), else 0. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`

/** KEYS: leader, epoch. ARGV: nodeId. Gives the lease up and fences our late writes. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('INCR', KEYS[2])
  return 1
end
return 0
`

/**
 * Node registry heartbeat, with Redis's clock (nodes on other hosts may disagree on the time).
 * KEYS: nodes (sorted set), leader, feeds. ARGV: nodeId, nodeTtlMs, feedsJson ('' = not the
 * leader), feedsTtlMs. Returns { leaderId | '', feedsJson | '', node ids... }.
 */
export const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4]) end
local result = { redis.call('GET', KEYS[2]) or '', redis.call('GET', KEYS[3]) or '' }
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do result[#result + 1] = id end
return result
`

/** KEYS: nodes. ARGV: nodeId. */
export const LEAVE = `return redis.call('ZREM', KEYS[1], ARGV[1])`

/**
 * Publishes one channel message to one or more room streams, atomically: checks the fencing
 * token, claims an alert firing, then per room INCR seq + XADD (bounded) + latest state in a hash.
 * The message is stored as its fields (see records.ts), never as assembled JSON text: `s` seq,
 * `c` wire type, `k` key, `t` sent time, `d` data JSON; the hash value is the same fields as a
 * JSON document.
 *
 * KEYS: epoch, claim (epoch again when no claim), then per room: seq, stream, latest.
 * ARGV: token, claimOwner ('' = no claim), claimTtlMs, type, sentAt, data, then per room: key,
 * own ('1': the message is its own key, its seq), slots (> 0: the hash keeps the newest `slots`
 * messages in field seq % slots; 0: one per key), maxlen.
 * Returns the seqs, -1 when fenced (a newer leader exists), -2 when another node already fired
 * this alert edge.
 */
export const PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if ARGV[2] ~= '' then
  local holder = redis.call('GET', KEYS[2])
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
  if holder ~= false and holder ~= ARGV[2] then return -2 end
end
local seqs = {}
local rooms = (#KEYS - 2) / 3
for i = 0, rooms - 1 do
  local k = 3 + i * 3
  local a = 7 + i * 4
  local seq = redis.call('INCR', KEYS[k])
  local s = string.format('%d', seq)
  local key = ARGV[a]
  if ARGV[a + 1] == '1' then key = s end
  local field = key
  local slots = tonumber(ARGV[a + 2])
  if slots > 0 then field = string.format('%d', seq % slots) end
  redis.call('XADD', KEYS[k + 1], 'MAXLEN', '~', ARGV[a + 3], '*',
    's', s, 'c', ARGV[4], 'k', key, 't', ARGV[5], 'd', ARGV[6])
  redis.call('HSET', KEYS[k + 2], field,
    cjson.encode({ s = s, c = ARGV[4], k = key, t = ARGV[5], d = ARGV[6] }))
  seqs[#seqs + 1] = seq
end
return seqs
`

/**
 * Re-arms an alert across the service: the engine that fired it saw its condition go false.
 * KEYS: claim. ARGV: owner. Deletes the claim only if it is still the owner's.
 */
export const DISARM_CLAIM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

/**
 * Saved state: compare-and-set of one document, then a change notice to every store.
 * KEYS: document. ARGV: '1' when the document existed ('0' when it was missing), the text read,
 * the new text, the notice channel, the notice (the document's kind).
 * Returns 1 when written, 0 when another writer changed the document since it was read.
 */
export const STATE_CAS = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current ~= false then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`
