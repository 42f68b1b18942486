// ESLint (typescript-eslint): run by `npm run lint` and by test/tools/lint.test.ts
// under `npm test`. No type information: syntax rules only, so it stays fast.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/build/**', '.espruino-host/**', '.tmp/**', 'test-output/**', 'bench-results/**'] },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  // tools/ and test/: the same habits without the typing rule (tests poke at
  // untyped JSON and interpreter output on purpose).
  {
    files: ['tools/**', 'test/**', '*.mjs'],
    ignores: ['test/**/fixtures/**'],
    rules: { 'no-var': 'error', eqeqeq: 'error' },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-var': 'error',
      eqeqeq: 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
);
