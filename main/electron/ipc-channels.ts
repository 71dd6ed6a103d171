/** The only IPC channels between the preload and main. Everything else is refused. */
export const IPC_REQUEST = 'lab:request'
export const IPC_MESSAGE = 'lab:message'
export const IPC_BINARY = 'lab:binary'
