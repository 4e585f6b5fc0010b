// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * The flat config every package uses: typescript-eslint strictTypeChecked + stylisticTypeChecked,
 * type-aware through the project service, rooted at the package that calls it.
 * @param {string} tsconfigRootDir the calling package's directory (`import.meta.dirname`)
 */
export function createConfig(tsconfigRootDir) {
  return tseslint.config(
    {
      ignores: [
        'dist/**',
        'coverage/**',
        'test-results/**',
        'node_modules/**',
        '*.config.*',
        'bin/**',
      ],
    },
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    ...tseslint.configs.stylisticTypeChecked,
    {
      languageOptions: {
        globals: { ...globals.node },
        parserOptions: { projectService: true, tsconfigRootDir },
      },
      rules: {
        '@typescript-eslint/consistent-type-imports': 'error',
        '@typescript-eslint/no-explicit-any': 'error',
        '@typescript-eslint/no-non-null-assertion': 'error',
        // We forbid `!`; an explicit cast is the clearer way to say "known present".
        '@typescript-eslint/non-nullable-type-assertion-style': 'off',
        '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
        '@typescript-eslint/no-unused-vars': [
          'error',
          { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
        ],
      },
    },
    {
      // Plain JS (examples, bench scripts, bin stubs) is not in any tsconfig: lint it untyped.
      files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
      ...tseslint.configs.disableTypeChecked,
      languageOptions: { parserOptions: { projectService: false } },
    },
    {
      files: ['**/*.test.ts', 'src/test-support/**'],
      rules: {
        // Tests poke at values they have just asserted exist.
        '@typescript-eslint/no-non-null-assertion': 'off',
        '@typescript-eslint/no-floating-promises': 'off',
      },
    },
  )
}
