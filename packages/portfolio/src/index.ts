export { createAlertEngine, createAlertId } from './alerts.js'
export type {
  Alert,
  AlertDefinition,
  AlertEngine,
  AlertEngineOptions,
  AlertEngineStats,
  TriggeredAlert,
} from './alerts.js'
export { ALERT_FIELDS, ALERT_OPERATORS, conditionHolds, parseAlertCondition } from './condition.js'
export type { AlertClause, AlertCondition, AlertField, AlertOperator } from './condition.js'
export { roundForDisplay } from './display.js'
export { PortfolioError } from './errors.js'
export type { PortfolioErrorOptions, PortfolioErrorReason } from './errors.js'
export { createPortfolioMonitor } from './monitor.js'
export type {
  Holding,
  HoldingOptions,
  PortfolioMonitor,
  PortfolioMonitorOptions,
  PortfolioMonitorStats,
  PortfolioValuation,
} from './monitor.js'
export type { MonitoringOptions } from './monitoring.js'
export type { PriceSource } from './types.js'
export { STATE_VERSION, stateDocuments } from './state-documents.js'
export type { HoldingRecord, StateDocument } from './state-documents.js'
export { createStateStore } from './store.js'
export type { StateStore, StateStoreOptions, WatchOptions } from './store.js'
