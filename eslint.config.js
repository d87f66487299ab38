// Only the type-aware rules Biome cannot check; Biome formats and lints everything else.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    // tests and the editor (own tsconfig, checked by tsc) are left to Biome and tsc
    ignores: [
      '**/dist/**',
      'packages/cli/bundle/**',
      '**/node_modules/**',
      'packages/editor/**',
      '**/*.test.ts',
      '**/*.test-support.ts',
      '**/*.test-d.ts',
      '**/test-support/**',
    ],
  },
  {
    files: ['packages/*/src/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },
)
