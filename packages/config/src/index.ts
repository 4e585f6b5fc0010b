export { LOG_LEVELS, readLogLevel, readServiceOptions } from './environment.js'
export type { Environment, LogLevel } from './environment.js'
export { SETTINGS, settingsTable, variableOf } from './settings.js'
export type { Setting } from './settings.js'
