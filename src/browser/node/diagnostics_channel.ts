/**
 * node:diagnostics_channel for the browser build: nothing. A page has no
 * channels to subscribe to, and src/trace.ts makes inert channels from a
 * module without `channel` (publishing then costs one property check).
 */
export {}
