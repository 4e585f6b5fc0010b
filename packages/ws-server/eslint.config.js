import { createConfig } from '@crypto-analyzer/eslint-config'

export default [
  // The bench scripts are plain Node scripts outside this package's contract.
  { ignores: ['bench/**'] },
  ...createConfig(import.meta.dirname),
  {
    // The dashboard runs in the browser: its own project (DOM lib, bundler resolution), which
    // tsconfig.json leaves out.
    files: ['src/dashboard/**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: './tsconfig.dashboard.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
]
