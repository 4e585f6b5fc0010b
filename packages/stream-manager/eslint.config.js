import { createConfig } from '@crypto-analyzer/eslint-config'

export default [
  ...createConfig(import.meta.dirname),
  // bench/*.mjs is a plain Node script over the built dist/; the shared config is type-aware
  // and only knows src/ (tsconfig.json). Prettier still checks it.
  { ignores: ['bench/**'] },
]
