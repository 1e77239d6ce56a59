// The "tiny bit of work" each task stands for, and the wire format of tasks
// and results. Shared by the ventilator, the workers and the sink so all three
// agree on it, and so main can compute the expected checksum up front.

/** Number of Collatz steps from n down to 1: a few dozen to a few hundred iterations. */
export function collatzSteps(n) {
  let steps = 0
  while (n !== 1) {
    n = n % 2 === 0 ? n / 2 : 3 * n + 1
    steps++
  }
  return steps
}

/** Task number i (0-based) works on the integer i + 1. */
export function workFor(taskId) {
  return collatzSteps(taskId + 1)
}

/** A task is one 4-byte frame: the task id (uint32, little-endian). */
export function encodeTask(taskId) {
  const buf = Buffer.allocUnsafe(4)
  buf.writeUInt32LE(taskId, 0)
  return buf
}

export function decodeTask(frame) {
  return frame.readUInt32LE(0)
}

/**
 * A result is a two-frame message: [worker name, 8 bytes: task id, answer].
 * Multipart messages are delivered whole, so the frames always arrive together.
 */
export function encodeResult(workerName, taskId, answer) {
  const body = Buffer.allocUnsafe(8)
  body.writeUInt32LE(taskId, 0)
  body.writeUInt32LE(answer, 4)
  return [Buffer.from(workerName), body]
}

export function decodeResult([nameFrame, body]) {
  return { worker: nameFrame.toString(), taskId: body.readUInt32LE(0), answer: body.readUInt32LE(4) }
}

/** Sum of all answers for tasks 0..total-1: what the sink must add up to. */
export function expectedChecksum(total) {
  let sum = 0
  for (let i = 0; i < total; i++) sum += workFor(i)
  return sum
}

/** 1234567 -> "1,234,567" */
export function fmt(n) {
  return Math.round(n).toLocaleString("en-US")
}
