import { defineConfig } from 'vitest/config'

// `pnpm vitest` at the root runs every package's tests as one run; CI uses `pnpm test` (turbo, per package).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tooling/fake-exchanges'],
  },
})
