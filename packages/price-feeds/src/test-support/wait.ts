/** Polls `condition` until it holds (generous default: shared CI cores), never a fixed sleep. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeout = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
