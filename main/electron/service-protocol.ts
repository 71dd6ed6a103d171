/** Messages between Electron's main process and the services utility process. */
import type { ServerMessage } from '../../common/contract/wire.js'

export type ToServices =
  | { readonly kind: 'open'; readonly conn: number }
  | { readonly kind: 'message'; readonly conn: number; readonly message: unknown }
  | { readonly kind: 'close'; readonly conn: number }

export type FromServices =
  | { readonly kind: 'message'; readonly conn: number; readonly message: ServerMessage }
  | { readonly kind: 'binary'; readonly conn: number; readonly frame: ArrayBuffer }
