import { createConfig } from '@crypto-analyzer/eslint-config'

export default [
  // Browser and script files outside the TypeScript project: the dashboard is type-checked by
  // tsconfig.dashboard.json (checkJs), the bench and build scripts are plain Node scripts.
  { ignores: ['src/dashboard/**', 'bench/**', 'scripts/**'] },
  ...createConfig(import.meta.dirname),
]
