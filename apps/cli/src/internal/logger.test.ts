import { describe, expect, it } from 'vitest'
import { humanLogLine } from './logger.js'

describe('humanLogLine', () => {
  it('turns a pino line into level, message and fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: 1,
      name: 'crypto-analyzer',
      provider: 'binance',
      attempt: 2,
      err: { message: 'boom', stack: '...' },
      msg: 'reconnecting',
    })
    expect(humanLogLine(line)).toBe('WARN  reconnecting provider=binance attempt=2 err="boom"\n')
  })

  it('passes other text through unchanged', () => {
    expect(humanLogLine('not json\n')).toBe('not json\n')
  })
})
