import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import globals from 'globals'

// Layer rules (ARCHITECTURE.md): a lower layer never imports an upper one.
const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
  },
})

export default tseslint.config(
  { ignores: ['out/**', 'release/**', 'node_modules/**', 'test-results/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['renderer/**/*.vue', 'renderer/**/*.ts'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
      globals: { ...globals.browser },
    },
    rules: { 'vue/multi-word-component-names': 'off', 'vue/max-attributes-per-line': 'off', 'vue/singleline-html-element-content-newline': 'off', 'vue/html-self-closing': 'off' },
  },
  layer(['common/**'], ['../main/*', '../../main/*', '**/main/**', '**/native-bridge/**', '**/renderer/**', 'electron', 'node:*'], 'common/ is environment-free: it imports nothing from the layers above or from Node.'),
  layer(['native-bridge/**'], ['**/main/**', '**/renderer/**', 'electron'], 'native-bridge/ is the lowest Node layer: it never imports main/, renderer/ or electron.'),
  layer(['main/events/**', 'main/spikes/**', 'main/snn/**', 'main/deploy/**', 'main/nir/**', 'main/hdf5/**', 'main/threads/**'], ['**/lab/**', '**/electron/**', '**/host/**', '**/cli/**', '**/renderer/**', 'electron'], 'Data, training and analysis modules never import services, shells or electron.'),
  layer(['main/lab/**'], ['**/electron/**', '**/host/**', '**/cli/**', '**/renderer/**', 'electron'], 'Services never import a shell or electron.'),
  layer(['main/host/**', 'main/cli/**'], ['**/electron/**', 'electron', '**/renderer/**'], 'Shells never import each other; only main/electron imports electron.'),
  layer(['main/electron/**'], ['**/host/**', '**/cli/**', '**/renderer/**'], 'Shells never import each other.'),
  layer(['renderer/src/**'], ['**/main/lab/**', '**/main/events/**', '**/main/spikes/**', '**/main/snn/**', '**/native-bridge/**', 'node:*', 'electron', 'fs', 'path'], 'The renderer imports only the contract (type-only), Vue and chart.js.'),
)
