import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    // bench/floors and the static server are deliberately plain JavaScript (no loader, no
    // build): the minimal clients and the server the bench measures against.
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'bench/out/',
      '.tmp/',
      'vendor/',
      'bench/floors/',
      'bench/static-server.mjs'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js'] },
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    // Commands depend on their context (src/commands/context.ts), never on the runner, and
    // never on src/github (GitHub I/O is the runner's, handed in through the context).
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/execute.js', '**/main.js', '**/inputs.js', '**/login.js'],
              message:
                'Commands depend on their context (./context.js), not on the runner that calls them.'
            },
            {
              group: ['../github/*', '**/github/*'],
              message:
                'Commands do no GitHub I/O: declare the type in ./context.js and implement it in src/github/.'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked]
  }
)
