// Root files only; every package lints itself with its own eslint.config.js.
export default [{ ignores: ['**'] }]
