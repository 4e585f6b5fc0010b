/**
 * Exact fixed-point numbers as bigint "atoms" of 1e-8 (the finest unit either exchange prints).
 * Prices never go through floats once a market is set up, so `p = c - o` holds to the last digit.
 */
export const ATOM_DECIMALS = 8
export const ONE = 100_000_000n

const abs = (value: bigint): bigint => (value < 0n ? -value : value)

/** Integer division rounding half away from zero; `divisor` must be positive. */
export function divRound(dividend: bigint, divisor: bigint): bigint {
  const quotient = dividend / divisor
  const remainder = abs(dividend % divisor)
  if (2n * remainder >= divisor) return quotient + (dividend < 0n ? -1n : 1n)
  return quotient
}

/** `a * b` for two atom values, rounded back to atoms. */
export function mulAtoms(a: bigint, b: bigint): bigint {
  return divRound(a * b, ONE)
}

/** Decimal text ("65000.5", "0.00001") to atoms; undefined when it is not plain decimal text. */
export function parseAtoms(text: string): bigint | undefined {
  const match = /^(\d+)(?:\.(\d{1,8}))?$/.exec(text)
  if (match === null) return undefined
  const whole = match[1] ?? '0'
  const fraction = (match[2] ?? '').padEnd(ATOM_DECIMALS, '0')
  return BigInt(whole) * ONE + BigInt(fraction)
}

/** A float (only used to pick synthetic starting values) to the nearest multiple of `step` atoms. */
export function atomsFromNumber(value: number, step: bigint): bigint {
  const steps = BigInt(Math.max(0, Math.round((value * Number(ONE)) / Number(step))))
  return steps * step
}

/** Atoms as text with exactly `decimals` (0..8) digits after the point, like Binance's "8010.00000000". */
export function formatFixed(atoms: bigint, decimals: number = ATOM_DECIMALS): string {
  const scaled = divRound(atoms, 10n ** BigInt(ATOM_DECIMALS - decimals))
  const sign = scaled < 0n ? '-' : ''
  const digits = abs(scaled)
    .toString()
    .padStart(decimals + 1, '0')
  if (decimals === 0) return sign + digits
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`
}

/** Atoms as the shortest exact text ("1313.8", "4095"), like Coinbase prices. */
export function formatTrimmed(atoms: bigint): string {
  const text = formatFixed(atoms)
  return text.replace(/\.?0+$/, '')
}

/** `numerator / denominator * 100` as text with 3 decimals ("2.068", "-0.512"), like Binance `P`. */
export function formatPercent(numerator: bigint, denominator: bigint): string {
  if (denominator <= 0n) return '0.000'
  const thousandths = divRound(numerator * 100_000n, denominator)
  const sign = thousandths < 0n ? '-' : ''
  const digits = abs(thousandths).toString().padStart(4, '0')
  return `${sign}${digits.slice(0, -3)}.${digits.slice(-3)}`
}
