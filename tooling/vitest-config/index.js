// @ts-check
import { defineConfig } from 'vitest/config'

/**
 * Shared Vitest settings. Every package writes a JSON report to `test-results/vitest.json`, which
 * `.ci/run` sums into the final `N passed, N failed, N skipped` line.
 * @param {{ testTimeout?: number, include?: string[] }} [options]
 */
export function createVitestConfig(options = {}) {
  return defineConfig({
    test: {
      include: options.include ?? ['src/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 20_000,
      hookTimeout: 20_000,
      reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
      restoreMocks: true,
      unstubEnvs: true,
    },
  })
}
