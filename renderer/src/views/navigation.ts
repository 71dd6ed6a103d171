/** The lab's sections, in navigation order. Each empty section says what will appear there. */
export interface Section {
  readonly id: string
  readonly label: string
  readonly shortcut: string
  readonly emptyLines?: readonly string[]
}

export const SECTIONS: readonly Section[] = [
  { id: 'devices', label: 'Devices', shortcut: '1' },
  { id: 'live', label: 'Live', shortcut: '2' },
  { id: 'recordings', label: 'Recordings', shortcut: '3' },
  { id: 'training', label: 'Training', shortcut: '4' },
  { id: 'deploy', label: 'Deploy', shortcut: '5' },
  { id: 'analysis', label: 'Analysis', shortcut: '6' },
]
