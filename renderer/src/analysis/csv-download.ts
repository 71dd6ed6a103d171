/** Offers CSV text as a file download (a Blob link: works in the browser host and in Electron). */
export function downloadCsv(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  // The click has started the download; free the blob a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
