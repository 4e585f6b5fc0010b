import { readFileSync } from 'node:fs'
import { WsServerError } from '../errors.js'

export interface Asset {
  readonly body: Buffer
  readonly contentType: string
}

export interface Assets {
  readonly html: Asset
  readonly script: Asset
  readonly style: Asset
}

// The dashboard ships built in dist/dashboard (scripts/build-dashboard.mjs bundles src/dashboard
// into one script): no CDN, nothing generated at run time. The path is from the package root, so
// the sources (src/internal, under test) and the build (dist/internal) read the same files.
const DIRECTORY = new URL('../../dist/dashboard/', import.meta.url)

function read(name: string, contentType: string): Asset {
  try {
    return { body: readFileSync(new URL(name, DIRECTORY)), contentType }
  } catch (error) {
    throw new WsServerError(
      'missing-asset',
      `the dashboard file ${name} is missing from ${DIRECTORY.pathname}; reinstall @crypto-analyzer/ws-server (or run its build)`,
      { cause: error },
    )
  }
}

let cached: Assets | undefined

/** The dashboard files, read once per process. */
export function loadAssets(): Assets {
  cached ??= {
    html: read('index.html', 'text/html; charset=utf-8'),
    script: read('dashboard.js', 'text/javascript; charset=utf-8'),
    style: read('dashboard.css', 'text/css; charset=utf-8'),
  }
  return cached
}

let version: string | undefined

/** This package's version, the default `/status` version. */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8')
      const parsed = JSON.parse(text) as { version?: unknown }
      version = typeof parsed.version === 'string' ? parsed.version : '0.0.0'
    } catch {
      version = '0.0.0'
    }
  }
  return version
}
