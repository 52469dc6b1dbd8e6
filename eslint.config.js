// Lint rules: typescript-eslint's type-checked recommended set with `any` forbidden outright;
// formatting is Prettier's (`npm run format:check`), so stylistic rules are off.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', '.cache/**', 'coverage/**']},
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {allowDefaultProject: ['*.js', '*.cjs', 'bin/*.js', 'scripts/*.mjs']},
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {files: ['**/*.js', '**/*.cjs', '**/*.mjs'], ...tseslint.configs.disableTypeChecked},
  {files: ['**/*.cjs'], languageOptions: {sourceType: 'commonjs', globals: {module: 'writable', require: 'readonly'}}},
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-constant-condition': ['error', {checkLoops: false}],
      // An async function without await still returns a promise on purpose (interfaces that may await).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The SDK's values come from src/tools/s3/aws-sdk.ts, which the build replaces with a bundle
    // (scripts/bundle-aws-sdk.mjs): a direct import would load the whole packages beside it.
    files: ['src/**/*.ts'],
    ignores: ['src/tools/s3/aws-sdk.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@smithy/*'],
              allowTypeImports: true,
              message: 'import AWS SDK values from src/tools/s3/aws-sdk.ts (bundled in the build); type imports may stay',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON output and use expect's asymmetric matchers, both typed `any`.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {'@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off'},
  },
  prettier,
)
