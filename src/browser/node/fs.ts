/** node:fs for the browser build: only writeSync (the context's exit warning), to the console. */
export function writeSync(_fd: number, text: string): number {
  console.warn(text.trimEnd())
  return text.length
}
