// Builds the dashboard next to the compiled code (dist/dashboard), where the server reads it:
// the TypeScript modules of src/dashboard bundled into one script, dashboard.js (the page's CSP
// is `script-src 'self'`, and one file loads in one request), plus index.html and dashboard.css
// as they are.
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const source = new URL('../src/dashboard/', import.meta.url)
const target = new URL('../dist/dashboard/', import.meta.url)

rmSync(target, { recursive: true, force: true })
mkdirSync(target, { recursive: true })

await build({
  entryPoints: [fileURLToPath(new URL('main.ts', source))],
  outfile: fileURLToPath(new URL('dashboard.js', target)),
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  // Keep ▲ ▼ … as UTF-8 (the server sends charset=utf-8) rather than \u escapes.
  charset: 'utf8',
  legalComments: 'none',
  logLevel: 'warning',
})

for (const name of ['index.html', 'dashboard.css']) {
  copyFileSync(new URL(name, source), new URL(name, target))
}

const size = statSync(new URL('dashboard.js', target)).size
console.log(`dashboard: dist/dashboard/dashboard.js ${(size / 1024).toFixed(1)} KiB`)
