import { createConfig } from '@crypto-analyzer/eslint-config'

export default [
  // bench/*.mjs and examples/*.mjs are plain Node scripts over the built dist/; the shared config
  // is type-aware and only knows src/ (tsconfig.json). Prettier still checks them.
  { ignores: ['bench/**', 'examples/**'] },
  ...createConfig(import.meta.dirname),
]
