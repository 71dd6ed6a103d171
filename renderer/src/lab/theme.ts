/** Light, dark, or the system's choice; remembered across sessions. */
import { ref, watch } from 'vue'

export type ThemeChoice = 'system' | 'light' | 'dark'
const KEY = 'spikelab.theme'

function stored(): ThemeChoice {
  const v = localStorage.getItem(KEY)
  return v === 'light' || v === 'dark' ? v : 'system'
}

export const theme = ref<ThemeChoice>(stored())

function apply(choice: ThemeChoice): void {
  if (choice === 'system') document.documentElement.removeAttribute('data-theme')
  else document.documentElement.setAttribute('data-theme', choice)
}

apply(theme.value)
watch(theme, (choice) => {
  localStorage.setItem(KEY, choice)
  apply(choice)
})
