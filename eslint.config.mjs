// @ts-check
/**
 * `npm run lint` (run by `npm test`): typescript-eslint's type-aware recommended rules over every
 * TypeScript folder, Prettier owning the layout (eslint-config-prettier turns the layout rules off),
 * and two habits of this code base: no line over 120 characters, and no `../../libs/...` import
 * (the path aliases of tsconfig.json cross folders).
 */
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/web/assets/**'] },
  {
    files: ['{src,libs,dev,test,bench,migrations,scripts}/**/*.ts'],
    extends: [eslint.configs.recommended, ...tseslint.configs.recommendedTypeChecked, prettier],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading underscore marks what is left out on purpose (`const { kind: _kind, ...rest } = q`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Prettier wraps code at 120 columns but not strings, template literals or comments.
      'max-len': ['error', { code: 120, tabWidth: 2 }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(libs|src|dev|test)(/|$)',
              message: 'Import across folders through the path aliases (@libs/..., @src/..., @dev/..., @test/...).',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read answers as a client would: light-my-request's `res.json()`, pg's `rows` and parsed
    // e-mails are `any`, and the assertions that follow are what checks their shape.
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Test doubles are async to stand in for the async functions they replace.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
