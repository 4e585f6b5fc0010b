import { createVitestConfig } from '@crypto-analyzer/vitest-config'

// Commands run for real (feeds, servers, child processes), so allow generous time on a shared machine.
export default createVitestConfig({ testTimeout: 60_000 })
