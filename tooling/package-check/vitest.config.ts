import { createVitestConfig } from '@crypto-analyzer/vitest-config'
import { mergeConfig } from 'vitest/config'

// The files pack, install and run whole packages: one at a time, so the machine (shared with the
// other packages' tests under turbo) is not asked for several npm installs at once.
export default mergeConfig(createVitestConfig({ testTimeout: 120_000 }), {
  test: { fileParallelism: false, hookTimeout: 180_000 },
})
