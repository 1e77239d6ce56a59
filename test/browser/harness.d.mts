/** Types of harness.mjs (plain JavaScript, shared with the bench). */
import type { Page } from "playwright-core"

export declare const CHROMIUM: string

export interface BrowserPage {
  page: Page
  origin: string
  logs: string[]
  /** Runs page.mjs's export `name` in the page; resolves with its (serialisable) result. */
  run(name: string, ...args: unknown[]): Promise<unknown>
  close(): Promise<void>
}

export declare function openBrowserPage(options?: { trustSpki?: string[] }): Promise<BrowserPage>
