import { describe, expect, it } from 'vitest'
import { PortfolioError, stateDocuments } from './index.js'

describe('stateDocuments', () => {
  it('normalizes, serializes and parses back the same lists the file store writes', () => {
    const holdings = stateDocuments.holdings.normalize(
      [{ symbol: 'btc', amount: '0.50', costBasis: '42000' }],
      0,
    )
    expect(holdings).toEqual([{ symbol: 'BTC', amount: '0.5', costBasis: '42000' }])
    const text = stateDocuments.holdings.serialize(holdings)
    expect(JSON.parse(text)).toEqual({ version: 1, holdings })
    expect(stateDocuments.holdings.parse(text, 'somewhere')).toEqual(holdings)

    const alerts = stateDocuments.alerts.normalize(
      [
        { symbol: 'eth', condition: 'price>3000' },
        { id: 'keep', symbol: 'BTC', condition: 'price < 1' },
      ],
      1234,
    )
    expect(alerts[0]).toMatchObject({ symbol: 'ETH', condition: 'price > 3000', createdAt: 1234 })
    expect(alerts[0]?.id).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(alerts[1]).toMatchObject({ id: 'keep', createdAt: 1234 })
    expect(stateDocuments.alerts.parse(stateDocuments.alerts.serialize(alerts), 'k')).toEqual(
      alerts,
    )
  })

  it('names the source in corrupt-file and unsupported-version errors', () => {
    const attempt = (text: string): PortfolioError => {
      try {
        stateDocuments.alerts.parse(text, 'ca:state:alerts')
      } catch (error) {
        if (error instanceof PortfolioError) return error
        throw error
      }
      throw new Error('parse did not throw')
    }
    const broken = attempt('{"version":1,"alerts":[')
    expect(broken.reason).toBe('corrupt-file')
    expect(broken.path).toBe('ca:state:alerts')
    expect(broken.message).toContain('ca:state:alerts is corrupt')
    const newer = attempt('{"version":2,"alerts":[]}')
    expect(newer.reason).toBe('unsupported-version')
    expect(newer.path).toBe('ca:state:alerts')
    expect(attempt('{"version":1,"alerts":[{"symbol":"BTC"}]}').reason).toBe('corrupt-file')
  })
})
