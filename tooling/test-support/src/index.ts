export { ManualClock, createTrackingClock } from './clock.js'
export { eventually, sleep, waitFor, waitForValue } from './wait.js'
