import { createVitestConfig } from '@crypto-analyzer/vitest-config'

export default createVitestConfig()
