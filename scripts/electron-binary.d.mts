/** The Electron executable, or null when it is not installed (never triggers a download). */
export function findElectronBinary(root: string): string | null
