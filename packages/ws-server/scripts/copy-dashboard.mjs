// Copies the dashboard's static files next to the compiled code (dist/dashboard), where the
// server reads them. Plain files: no bundling, nothing generated.
import { cpSync } from 'node:fs'

cpSync(
  new URL('../src/dashboard/', import.meta.url),
  new URL('../dist/dashboard/', import.meta.url),
  {
    recursive: true,
  },
)
