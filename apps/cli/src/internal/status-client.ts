import { CryptoAnalyzerError } from '@crypto-analyzer/core-events'

/** The parts of the server's `/status` document the table shows (contract.md, HTTP endpoints). */
export interface ServerStatus {
  readonly status?: string
  readonly version?: string
  readonly uptime_seconds?: number
  readonly clients?: number
  readonly rooms?: Record<string, number>
  readonly feeds?: readonly FeedStatusJson[]
  readonly bus?: {
    readonly events_published?: number
    readonly events_processed?: number
    readonly active_subscriptions?: number
  }
  readonly cluster?: {
    readonly node_id?: string
    readonly leader?: boolean
    readonly nodes?: readonly string[]
    readonly redis?: string
  }
}

export interface FeedStatusJson {
  readonly provider?: string
  readonly state?: string
  readonly symbols?: readonly string[]
  readonly messages_received?: number
  readonly uptime_seconds?: number
  readonly latency_ms?: number | null
  readonly reconnects?: number
  readonly dropped_frames?: number
  readonly last_message_at?: string | null
}

export interface StatusResponse {
  /** The body exactly as the server sent it. */
  readonly text: string
  readonly status: ServerStatus
}

/**
 * GETs `<baseUrl>/status`. Every way it can fail becomes one `CryptoAnalyzerError` whose message
 * says what happened and what to do.
 */
export async function fetchServerStatus(
  baseUrl: string,
  options: { token?: string | undefined; timeoutMs?: number } = {},
): Promise<StatusResponse> {
  const url = `${baseUrl}/status`
  const timeoutMs = options.timeoutMs ?? 5000
  let response: Response
  try {
    response = await fetch(url, {
      headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    throw new CryptoAnalyzerError(
      'CONNECTION_FAILED',
      `cannot reach a crypto-analyzer server at ${baseUrl} (${describeFetchError(error, timeoutMs)}); start one with "crypto-analyzer stream start" or point --host/--port at it`,
      { cause: error },
    )
  }
  const text = await response.text()
  if (response.status === 401 || response.status === 403) {
    throw new CryptoAnalyzerError(
      'CONNECTION_FAILED',
      options.token === undefined
        ? `${url} requires a token (HTTP ${response.status}): pass --token <token> or set CRYPTO_ANALYZER_TOKEN`
        : `${url} refused the token (HTTP ${response.status}): check --token / CRYPTO_ANALYZER_TOKEN`,
    )
  }
  let status: unknown
  try {
    status = JSON.parse(text)
  } catch {
    status = undefined
  }
  if (typeof status !== 'object' || status === null || Array.isArray(status)) {
    throw new CryptoAnalyzerError(
      'CONNECTION_FAILED',
      `${url} answered HTTP ${response.status} without a status document: is a crypto-analyzer server listening on that port?`,
    )
  }
  if (!response.ok) {
    throw new CryptoAnalyzerError('CONNECTION_FAILED', `${url} answered HTTP ${response.status}`)
  }
  return { text: text.trim(), status: status }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`
  }
  const cause: unknown = error instanceof Error ? error.cause : undefined
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host'
    case 'ECONNRESET':
      return 'connection reset'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable'
    default:
      return code ?? (error instanceof Error ? error.message : String(error))
  }
}
