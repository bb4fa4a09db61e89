// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Module borders (see README, "Project layout"): which feature modules each folder of src/ may import.
 * The base folders (common, config, database) may import one another; everything may import them.
 */
const FEATURES = [
  'auth',
  'delivery',
  'subscribers',
  'engagement',
  'articles',
  'digests',
  'deliverability',
  'health',
  'newsroom',
];
const MAY_IMPORT = {
  common: [],
  config: [],
  database: [],
  auth: [],
  health: [],
  delivery: ['auth'],
  articles: ['auth'],
  subscribers: ['auth', 'delivery'],
  engagement: ['auth', 'delivery', 'subscribers'],
  digests: ['auth', 'delivery', 'subscribers', 'engagement', 'articles'],
  deliverability: ['auth', 'delivery'],
  newsroom: ['auth', 'delivery', 'subscribers', 'engagement', 'articles', 'digests', 'deliverability'],
};
const borders = Object.entries(MAY_IMPORT).map(([folder, allowed]) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...FEATURES.filter((m) => m !== folder && !allowed.includes(m)).map((m) => ({
            regex: `^(\\.\\./)+${m}(/|$)`,
            message: `${folder}/ may not import ${m}/ (module borders: README, Project layout). Declare a port (an injection token) in ${folder}/ and let ${m}/ provide it.`,
          })),
          {
            regex: '^(\\.\\./)+[a-z-]+/.*\\.controller$',
            message: "No module imports another module's controller: call its service.",
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.transpiled-*/**',
      'var/**',
      'node_modules/**',
      'coverage/**',
      'scripts/**/*.js',
      'bench/**/*.js',
      '*.js',
      '*.mjs',
      'test/*.js',
      // Child-process fixtures in plain ESM (e.g. oidc-provider, which jest cannot load); not part of the TS project.
      'test/fixtures/**/*.mjs',
      // Browser scripts served to the newsroom (plain ES5, no build step); not part of the TS project.
      'templates/**/*.js',
      'eslint.config.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      curly: ['error', 'all'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  ...borders,
);
