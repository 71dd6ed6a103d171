/**
 * Files and folders dropped on the Recordings view → absolute paths for `recordings.import`.
 * A web page never learns where a dropped file lives; Electron's preload can ask
 * (`webUtils.getPathForFile`, exposed as `window.labFiles`). In a plain browser (the headless host)
 * the drop cannot be resolved, and the person is pointed to the path box instead.
 */
export interface PathResolver {
  /** The file's absolute path on the lab computer, or '' when it has none (e.g. dragged from a web page). */
  pathForFile(file: File): string
}

export interface DropResult {
  /** Absolute paths to import, without duplicates, in drop order. */
  readonly paths: string[]
  /** Names of dropped items whose path could not be found. */
  readonly unresolved: string[]
  /** What to tell the person, or null when everything resolved. */
  readonly message: string | null
}

const ABSOLUTE = /^(\/|[A-Za-z]:[\\/]|\\\\)/

export function pathsFromDrop(files: ArrayLike<File>, resolver: PathResolver | undefined): DropResult {
  const paths: string[] = []
  const unresolved: string[] = []
  for (let i = 0; i < files.length; i++) {
    const file = files[i]
    let p = ''
    try {
      p = resolver?.pathForFile(file) ?? ''
    } catch {
      p = ''
    }
    if (p && ABSOLUTE.test(p)) {
      if (!paths.includes(p)) paths.push(p)
    } else {
      unresolved.push(file.name)
    }
  }
  return { paths, unresolved, message: explain(unresolved, resolver !== undefined, files.length) }
}

function explain(unresolved: string[], canResolve: boolean, dropped: number): string | null {
  if (dropped === 0) return 'Nothing was dropped — drag files or folders from your file manager.'
  if (unresolved.length === 0) return null
  const names = unresolved.slice(0, 3).join(', ') + (unresolved.length > 3 ? ` and ${unresolved.length - 3} more` : '')
  if (!canResolve) {
    return `This browser does not tell the lab where dropped files are (${names}). Type or paste their absolute path on the lab computer in the box above — or use the desktop app, where dropping works.`
  }
  return `Could not find ${names} on disk (items dragged from a web page or an archive have no path). Type their path in the box above.`
}

/** The resolver the preload exposes under Electron; undefined in a browser. */
export function electronResolver(): PathResolver | undefined {
  const files = (globalThis as unknown as { labFiles?: PathResolver }).labFiles
  return files && typeof files.pathForFile === 'function' ? files : undefined
}
