import type { PriceUpdate, StreamEventBus } from '@crypto-analyzer/core-events'
import type { Observable } from 'rxjs'

/** Where price updates can come from: an Observable of them, or the event bus. */
export type PriceSource = Observable<PriceUpdate> | StreamEventBus
