import { createVitestConfig } from '@crypto-analyzer/vitest-config'

// The examples sit at the top of the folder, where users look for them; their tests are in test/.
export default createVitestConfig({ include: ['test/**/*.test.ts'], testTimeout: 60_000 })
