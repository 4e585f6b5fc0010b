// A minimal npm registry on 127.0.0.1 for one scope: it serves packuments and tarballs of the
// packages it holds (so `npm install @crypto-analyzer/cli` resolves the packages' own
// dependencies between each other as it will from npm), and accepts `npm publish` / `pnpm publish`
// (so `changeset publish` runs for real, offline). Every other name stays on the real registry
// through `@crypto-analyzer:registry=`.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { basename } from 'node:path'
import { readFromTarball } from './workspace.js'
import type { PackageJson } from './workspace.js'

export interface PublishedVersion {
  readonly manifest: PackageJson
  readonly tarball: Buffer
  readonly file: string
}

export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` (with the trailing slash npm expects). */
  readonly url: string
  /** name → version → what was added or published. */
  readonly packages: ReadonlyMap<string, ReadonlyMap<string, PublishedVersion>>
  /** Every request, `METHOD /path`, in order. */
  readonly requests: readonly string[]
  /** Adds a packed tarball (as `pnpm pack` wrote it). */
  add(tarballPath: string): Promise<PackageJson>
  close(): Promise<void>
}

const integrityOf = (data: Buffer): string =>
  `sha512-${createHash('sha512').update(data).digest('base64')}`

const readBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const send = (response: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

interface PublishBody {
  readonly name?: string
  readonly versions?: Record<string, PackageJson>
  readonly _attachments?: Record<string, { readonly data: string }>
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const packages = new Map<string, Map<string, PublishedVersion>>()
  const requests: string[] = []
  let url = ''

  const store = (manifest: PackageJson, tarball: Buffer, file: string): void => {
    let versions = packages.get(manifest.name)
    if (versions === undefined) {
      versions = new Map()
      packages.set(manifest.name, versions)
    }
    versions.set(manifest.version, { manifest, tarball, file })
  }

  const packument = (name: string, versions: ReadonlyMap<string, PublishedVersion>): unknown => {
    const entries = [...versions.entries()]
    const latest = entries.at(-1)?.[0]
    return {
      name,
      'dist-tags': latest === undefined ? {} : { latest },
      versions: Object.fromEntries(
        entries.map(([version, published]) => [
          version,
          {
            ...published.manifest,
            _id: `${name}@${version}`,
            dist: {
              tarball: `${url}-/${published.file}`,
              integrity: integrityOf(published.tarball),
              shasum: createHash('sha1').update(published.tarball).digest('hex'),
            },
          },
        ]),
      ),
    }
  }

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/')
    requests.push(`${request.method ?? 'GET'} ${path}`)
    if (request.method === 'GET' && path.startsWith('/-/')) {
      const file = path.slice(3)
      for (const versions of packages.values()) {
        for (const published of versions.values()) {
          if (published.file === file) {
            response.writeHead(200, {
              'content-type': 'application/octet-stream',
              'content-length': published.tarball.length,
            })
            response.end(published.tarball)
            return
          }
        }
      }
      send(response, 404, { error: 'not_found' })
      return
    }
    const name = path.slice(1)
    if (request.method === 'GET') {
      const versions = packages.get(name)
      if (versions === undefined) send(response, 404, { error: 'not_found' })
      else send(response, 200, packument(name, versions))
      return
    }
    if (request.method === 'PUT') {
      const body = JSON.parse((await readBody(request)).toString('utf8')) as PublishBody
      const [version, manifest] = Object.entries(body.versions ?? {})[0] ?? []
      const [file, attachment] = Object.entries(body._attachments ?? {})[0] ?? []
      if (version === undefined || manifest === undefined || attachment === undefined) {
        send(response, 400, { error: 'a publish needs one version and its attachment' })
        return
      }
      if (packages.get(name)?.has(version) === true) {
        send(response, 403, { error: `cannot publish over ${name}@${version}` })
        return
      }
      store(manifest, Buffer.from(attachment.data, 'base64'), basename(file ?? `${name}.tgz`))
      send(response, 201, { ok: true })
      return
    }
    send(response, 405, { error: 'method not allowed' })
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, 500, { error: String(error) })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`

  return {
    url,
    packages,
    requests,
    async add(tarballPath) {
      const tarball = await readFile(tarballPath)
      const manifest = JSON.parse(
        await readFromTarball(tarballPath, 'package/package.json'),
      ) as PackageJson
      store(manifest, tarball, basename(tarballPath))
      return manifest
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}
