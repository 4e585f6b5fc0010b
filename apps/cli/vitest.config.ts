import { createVitestConfig } from '@crypto-analyzer/vitest-config'
import { mergeConfig } from 'vitest/config'

export default mergeConfig(
  // Commands run for real (feeds, servers, child processes): generous time on a shared machine.
  createVitestConfig({ testTimeout: 60_000 }),
  // oclif prints help and --version with console.log; @oclif/test captures process.stdout, so
  // Vitest must not intercept the console.
  { test: { disableConsoleIntercept: true } },
)
