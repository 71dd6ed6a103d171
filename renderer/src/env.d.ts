/// <reference types="vite/client" />
import type { LabApi } from '../../common/contract/lab-api'

declare global {
  interface Window {
    /** Provided by Electron's preload; absent in a plain browser, where the WebSocket client is used. */
    readonly lab?: LabApi
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
