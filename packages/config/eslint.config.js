import { createConfig } from '@crypto-analyzer/eslint-config'

export default createConfig(import.meta.dirname)
