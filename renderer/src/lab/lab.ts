/** The renderer's one LabApi: Electron's preload provides it; in a browser we build it on the WebSocket. */
import type { LabApi } from '../../../common/contract/lab-api'
import { createLabClient } from '../../../common/contract/lab-client'
import { websocketTransport } from './websocket-transport'

export const lab: LabApi = window.lab ?? createLabClient(websocketTransport(window.location))
